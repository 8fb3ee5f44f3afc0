package lessons

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// md renders lesson and narration Markdown. Raw HTML stays off (goldmark
// omits it unless html.WithUnsafe is given) and goldmark drops dangerous
// link targets (javascript:, vbscript:, file:, data: other than images), so
// hostile text comes out inert.
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

// renderMarkdown turns Markdown into safe HTML.
func renderMarkdown(src string) template.HTML {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(buf.String())
}

// firstHeading returns the text of the first level-1 heading.
func firstHeading(src []byte) string {
	doc := md.Parser().Parse(text.NewReader(src))
	var title string
	gast.Walk(doc, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if h, ok := n.(*gast.Heading); ok && entering && h.Level == 1 {
			title = plainText(h, src)
			return gast.WalkStop, nil
		}
		return gast.WalkContinue, nil
	})
	return title
}

func plainText(n gast.Node, src []byte) string {
	var b strings.Builder
	gast.Walk(n, func(c gast.Node, entering bool) (gast.WalkStatus, error) {
		if t, ok := c.(*gast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		return gast.WalkContinue, nil
	})
	return b.String()
}

// plain is Markdown reduced to text for a terminal transcript.
func plain(src string) string {
	r := strings.NewReplacer("**", "", "__", "", "`", "")
	return strings.TrimSpace(r.Replace(src))
}
