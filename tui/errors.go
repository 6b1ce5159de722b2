package tui

import "errors"

var errUnknownAction = errors.New("unknown action")
