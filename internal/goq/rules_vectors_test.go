package goq

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// classNode is a <span class="x c"> as the parser gives it.
func classNode(t *testing.T, c string) *html.Node {
	doc, err := html.Parse(strings.NewReader(`<span class="x ` + c + `">t</span>`))
	if err != nil {
		t.Fatal(err)
	}
	var span *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "span" {
			span = n
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			find(ch)
		}
	}
	find(doc)
	return span
}

// The rules the extension's GoQ tab delivery applies (extension/lib/
// goqrules.js) are this package's: the same vector file is read by node
// --test (extension/test/goqrules.test.js) and here, against the functions
// the Go client uses.
func TestSharedGoQRuleVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "keyrelay", "testdata", "goq_rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Labels []struct {
			Name, Text, Kind string
		}
		Buttons []struct {
			Name, Text string
			Rank       int
		}
		Route          []string
		HiddenClasses  []string `json:"hidden_classes"`
		VisibleClasses []string `json:"visible_classes"`
		BlockTags      []string `json:"block_tags"`
		InlineTags     []string `json:"inline_tags"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	kinds := map[labelKind]string{labelKey: "key", labelTwin: "twin", labelTwinMark: "twin_mark", labelOther: "other"}
	if len(v.Labels) < 20 || len(v.Buttons) < 10 {
		t.Fatalf("%d labels, %d buttons: the vectors are missing", len(v.Labels), len(v.Buttons))
	}
	for _, c := range v.Labels {
		if got := kinds[classifyLabel(c.Text)]; got != c.Kind {
			t.Errorf("label %s (%q): classifyLabel = %s, want %s", c.Name, c.Text, got, c.Kind)
		}
	}
	for _, c := range v.Buttons {
		if got := saveRank(c.Text); got != c.Rank {
			t.Errorf("button %s (%q): saveRank = %d, want %d", c.Name, c.Text, got, c.Rank)
		}
	}
	for _, c := range v.HiddenClasses {
		if !hiddenElement(classNode(t, c)) {
			t.Errorf("class %q: hiddenElement = false, want true", c)
		}
	}
	for _, c := range v.VisibleClasses {
		if hiddenElement(classNode(t, c)) {
			t.Errorf("class %q: hiddenElement = true, want false", c)
		}
	}
	blocks := 0
	for a, ok := range blockTags {
		if ok {
			blocks++
			if !slices.Contains(v.BlockTags, a.String()) {
				t.Errorf("blockTags has %s, the vectors do not", a)
			}
		}
	}
	if blocks != len(v.BlockTags) {
		t.Errorf("blockTags has %d tags, the vectors %d", blocks, len(v.BlockTags))
	}
	for _, tag := range v.InlineTags {
		if blockTags[atom.Lookup([]byte(tag))] {
			t.Errorf("%s ends a run of text in Go", tag)
		}
	}
	if !slices.Equal(route, v.Route) {
		t.Errorf("route %v, vectors %v", route, v.Route)
	}
}
