//go:build tools

// Package deps pins the project's dependencies while the packages that use
// them are being written. It is never built.
package deps

import (
	_ "github.com/PuerkitoBio/goquery"
	_ "github.com/a-h/templ"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/getkin/kin-openapi/openapi2conv"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/gorilla/sessions"
	_ "github.com/johannesboyne/gofakes3/backend/s3mem"
	_ "github.com/labstack/echo/v5"
	_ "github.com/markbates/goth"
	_ "github.com/microcosm-cc/bluemonday"
	_ "github.com/playwright-community/playwright-go"
	_ "github.com/robfig/cron/v3"
	_ "github.com/uptrace/bun"
	_ "github.com/uptrace/bun/dialect/pgdialect"
	_ "github.com/uptrace/bun/dialect/sqlitedialect"
	_ "github.com/uptrace/bun/driver/pgdriver"
	_ "github.com/yuin/goldmark"
	_ "go.yaml.in/yaml/v3"
	_ "modernc.org/sqlite"
)
