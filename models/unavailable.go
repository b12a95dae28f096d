package models

import "errors"

var ErrUnavailable = errors.New("database unavailable")
