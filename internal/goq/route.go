package goq

import (
	"context"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// route is the seed's way to the WEBAPI設定 page from the page after login,
// by the text of the links an operator clicks.
var route = []string{"受注管理", "各種設定", "モール詳細設定", "楽天市場", "WEBAPI設定"}

// followRoute walks route from the page GoQ showed after the login. A step
// whose link is not on the current page is skipped (the page after login may
// already be 受注管理); links to other sites and javascript: links are never
// followed.
func (s *session) followRoute(ctx context.Context) (*page, *keyField, error) {
	p, err := s.getAuthed(ctx, s.home)
	if err != nil {
		return nil, nil, err
	}
	for _, step := range route {
		u := findLink(p, step)
		if u == nil {
			continue
		}
		next, err := s.getAuthed(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		p = next
	}
	d, err := p.parse()
	if err != nil {
		return nil, nil, err
	}
	kf, err := findKeyField(d)
	if err != nil {
		return nil, nil, err
	}
	if err := kf.prepare(); err != nil {
		return nil, nil, err
	}
	return p, kf, nil
}

// findLink returns the target of the first link on p whose visible text is
// text (compared as labels are: white space, width and case folded), else
// of the first whose text contains it.
func findLink(p *page, text string) *url.URL {
	d := p.document()
	want := normLabel(text)
	base := p.url
	if d.base != "" {
		if b, err := p.url.Parse(d.base); err == nil {
			base = b
		}
	}
	var exact, partial *url.URL
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if exact != nil {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.A {
			href, ok := attr(n, "href")
			got := normLabel(textContent(n, true))
			if ok && got != "" && strings.Contains(got, want) {
				if u, err := base.Parse(strings.TrimSpace(href)); err == nil && sameOrigin(u, p.url) {
					u.Fragment = ""
					if got == want {
						exact = u
					} else if partial == nil {
						partial = u
					}
				}
			}
			return
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Template || n.DataAtom == atom.Script) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	if exact != nil {
		return exact
	}
	return partial
}
