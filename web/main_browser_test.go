package web_test

import (
	"os"
	"testing"

	"clusterscope/web/browsertest"
)

// One chromium serves every browser test of this package, a tab each.
func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
