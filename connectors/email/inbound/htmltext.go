package inbound

import (
	"html"
	"regexp"
	"strings"
)

var (
	// Content that is never shown to the reader.
	htmlHiddenRe = regexp.MustCompile(`(?is)<!--.*?-->|<(script|style|head|title)\b[^>]*>.*?</(script|style|head|title)\s*>`)
	htmlTagRe    = regexp.MustCompile(`(?s)<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>`)
	htmlSpaceRe  = regexp.MustCompile(`[ \t\r\n\f]+`)
)

// blockTags break the line before and after them.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "tr": true, "li": true, "ul": true, "ol": true,
	"table": true, "blockquote": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "hr": true, "pre": true, "section": true, "article": true,
	"header": true, "footer": true,
}

// htmlToText converts HTML mail to plain text crudely: tags are dropped,
// block elements break lines, entities are decoded, and text inside
// <blockquote> is prefixed with "> " so that the quoted original of an HTML
// reply is cut off like a plain-text quote. It does not aim at layout, only
// at reading the few lines a supplier typed on top.
func htmlToText(src string) string {
	src = htmlHiddenRe.ReplaceAllString(src, "")
	var (
		out   []string
		line  strings.Builder
		quote bool // the current line started inside a blockquote
		depth int  // blockquote nesting
	)
	flush := func() {
		text := strings.TrimSpace(line.String())
		line.Reset()
		if quote && text != "" {
			text = "> " + text
		}
		out = append(out, text)
		quote = false
	}
	writeText := func(raw string) {
		text := html.UnescapeString(htmlSpaceRe.ReplaceAllString(raw, " "))
		// Non-breaking spaces are how HTML editors indent; they are spaces.
		text = strings.ReplaceAll(text, "\u00a0", " ")
		if strings.TrimSpace(text) == "" {
			if line.Len() > 0 {
				line.WriteByte(' ')
			}
			return
		}
		if line.Len() == 0 {
			quote = depth > 0
		}
		line.WriteString(text)
	}
	pos := 0
	for _, m := range htmlTagRe.FindAllStringSubmatchIndex(src, -1) {
		writeText(src[pos:m[0]])
		pos = m[1]
		closing := m[3] > m[2]
		name := strings.ToLower(src[m[4]:m[5]])
		if !blockTags[name] {
			continue
		}
		if name == "br" || line.Len() > 0 {
			flush()
		}
		if name == "blockquote" {
			if closing && depth > 0 {
				depth--
			} else if !closing {
				depth++
			}
		}
	}
	writeText(src[pos:])
	flush()
	return collapseBlankLines(out)
}

// collapseBlankLines joins lines, keeping at most one empty line in a row and
// none at the ends.
func collapseBlankLines(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if l == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteByte('\n')
			blank = false
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}
