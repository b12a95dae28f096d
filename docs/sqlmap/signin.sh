#!/usr/bin/env bash
# signin.sh EMAIL COOKIEJAR: signs in through the form (and the second factor) and prints the CSRF token.
set -euo pipefail
email=$1; jar=$2; base=http://127.0.0.1:3999
pw=$(grep "^$email " /tmp/t1.db.demo-logins.txt | awk '{print $2}')
csrf() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//'; }
rm -f "$jar"
t=$(curl -s -c "$jar" -b "$jar" $base/login | csrf)
loc=$(curl -s -o /dev/null -w "%{redirect_url}" -c "$jar" -b "$jar" --data-urlencode "_csrf=$t" --data-urlencode "email=$email" --data-urlencode "password=$pw" $base/login)
if [[ "$loc" == *"/login/2fa"* ]]; then
  t=$(curl -s -c "$jar" -b "$jar" "$loc" | csrf)
  code=$(/tmp/tracker user code -db /tmp/t1.db -email "$email")
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$t" --data-urlencode "code=$code" $base/login/2fa
fi
curl -s -c "$jar" -b "$jar" $base/consultations | csrf
