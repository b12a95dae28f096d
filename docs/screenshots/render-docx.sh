#!/usr/bin/env bash
# Renders the demo's collective response (.docx) with LibreOffice and saves
# its first pages as docs/screenshots/collective-docx-page{1,2}.png.
# Needs: apt-get install -y --no-install-recommends libreoffice-writer-nogui poppler-utils
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TRACKER_DOCX_OUT="$work/collective.docx" go test -tags sqlite_fts5 -count=1 -run TestRenderTheDemoCollectiveResponse ./handlers/
soffice --headless --convert-to pdf --outdir "$work" "$work/collective.docx" >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/collective.pdf" docs/screenshots/collective-docx-page1
# The second picture is the first proposal's section: figures table and chart.
page=$(( $(pdfinfo "$work/collective.pdf" | awk '/^Pages:/ {print $2}') >= 3 ? 3 : 2 ))
pdftoppm -png -r 80 -f "$page" -l "$page" -singlefile "$work/collective.pdf" docs/screenshots/collective-docx-page2
ls -l docs/screenshots/collective-docx-page*.png
