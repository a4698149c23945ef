package goq

import (
	"strconv"
	"sync"

	"golang.org/x/text/encoding/japanese"
)

// The Encoding Standard's Shift_JIS and EUC-JP encoders differ from
// golang.org/x/text's in ways that change bytes on the wire: U+00A5 and
// U+203E encode as 0x5C and 0x7E, U+2212 as U+FF0D, a code point with
// several pointers in index jis0208 takes the first (Shift_JIS skipping the
// NEC-selected IBM extensions, pointers 8272 to 8835, so 髙 is 0xFBFC and
// not 0xEEE0), and EUC-JP never encodes JIS X 0212. Browsers implement the
// standard, so the submission must too. The index is read back from
// x/text's decoder, which follows the standard's index jis0208.

var (
	jisOnce        sync.Once
	sjisPointer    map[rune]int // first pointer outside 8272..8835
	jis0208Pointer map[rune]int // first pointer
)

func loadJIS() {
	sjisPointer, jis0208Pointer = map[rune]int{}, map[rune]int{}
	dec := japanese.ShiftJIS.NewDecoder()
	for p := 0; p < 11280; p++ {
		if p >= 8836 && p <= 10715 {
			continue // EUDC: decoded as private use, never encoded
		}
		lead, trail := p/188, p%188
		lo, to := 0x81, 0x40
		if lead >= 0x1f {
			lo = 0xc1
		}
		if trail >= 0x3f {
			to = 0x41
		}
		out, err := dec.Bytes([]byte{byte(lead + lo), byte(trail + to)})
		if err != nil {
			continue
		}
		rs := []rune(string(out))
		if len(rs) != 1 || rs[0] == 0xfffd {
			continue
		}
		r := rs[0]
		if _, ok := jis0208Pointer[r]; !ok {
			jis0208Pointer[r] = p
		}
		if p >= 8272 && p <= 8835 {
			continue
		}
		if _, ok := sjisPointer[r]; !ok {
			sjisPointer[r] = p
		}
	}
}

// encodeShiftJIS is the Encoding Standard's Shift_JIS encoder for one code
// point; ok is false for an unencodable one.
func encodeShiftJIS(r rune) ([]byte, bool) {
	switch {
	case r < 0x80 || r == 0x80:
		return []byte{byte(r)}, true
	case r == 0xa5:
		return []byte{0x5c}, true
	case r == 0x203e:
		return []byte{0x7e}, true
	case r >= 0xff61 && r <= 0xff9f:
		return []byte{byte(r - 0xff61 + 0xa1)}, true
	case r == 0x2212:
		r = 0xff0d
	}
	jisOnce.Do(loadJIS)
	p, ok := sjisPointer[r]
	if !ok {
		return nil, false
	}
	lead, trail := p/188, p%188
	lo, to := 0x81, 0x40
	if lead >= 0x1f {
		lo = 0xc1
	}
	if trail >= 0x3f {
		to = 0x41
	}
	return []byte{byte(lead + lo), byte(trail + to)}, true
}

// encodeEUCJP is the Encoding Standard's EUC-JP encoder for one code point.
func encodeEUCJP(r rune) ([]byte, bool) {
	switch {
	case r < 0x80:
		return []byte{byte(r)}, true
	case r == 0xa5:
		return []byte{0x5c}, true
	case r == 0x203e:
		return []byte{0x7e}, true
	case r >= 0xff61 && r <= 0xff9f:
		return []byte{0x8e, byte(r - 0xff61 + 0xa1)}, true
	case r == 0x2212:
		r = 0xff0d
	}
	jisOnce.Do(loadJIS)
	p, ok := jis0208Pointer[r]
	if !ok || p >= 94*94 {
		return nil, false
	}
	return []byte{byte(p/94 + 0xa1), byte(p%94 + 0xa1)}, true
}

// isoKatakana is the Encoding Standard's index ISO-2022-JP katakana: the
// full-width forms that half-width katakana U+FF61..U+FF9F are sent as.
var isoKatakana = []rune("。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜")

// encodeISO2022JP is the Encoding Standard's ISO-2022-JP encoder, with
// unencodable characters written as &#NNNN; in ASCII state (the "html"
// error mode): golang.org/x/text's sends half-width katakana as JIS X 0201
// and cannot send ¥, where browsers send full-width katakana and ESC ( J.
func encodeISO2022JP(s string) []byte {
	const (
		ascii = iota
		roman
		jis0208
	)
	state := ascii
	var out []byte
	esc := map[int]string{ascii: "\x1b(B", roman: "\x1b(J", jis0208: "\x1b$B"}
	to := func(st int) {
		if state != st {
			out = append(out, esc[st]...)
			state = st
		}
	}
	ref := func(r rune) { out = append(out, "&#"+strconv.Itoa(int(r))+";"...) }
	for _, r := range s {
		switch {
		case (state == ascii || state == roman) && (r == 0x0e || r == 0x0f || r == 0x1b):
			ref(0xfffd)
			continue
		case state == ascii && r < 0x80:
			out = append(out, byte(r))
			continue
		case state == roman && (r < 0x80 && r != 0x5c && r != 0x7e || r == 0xa5 || r == 0x203e):
			switch r {
			case 0xa5:
				out = append(out, 0x5c)
			case 0x203e:
				out = append(out, 0x7e)
			default:
				out = append(out, byte(r))
			}
			continue
		case r < 0x80:
			to(ascii)
			out = append(out, byte(r))
			continue
		case r == 0xa5 || r == 0x203e:
			to(roman)
			out = append(out, map[rune]byte{0xa5: 0x5c, 0x203e: 0x7e}[r])
			continue
		}
		c := r
		if c == 0x2212 {
			c = 0xff0d
		}
		if c >= 0xff61 && c <= 0xff9f {
			c = isoKatakana[c-0xff61]
		}
		jisOnce.Do(loadJIS)
		p, ok := jis0208Pointer[c]
		if !ok || p >= 94*94 {
			if state == jis0208 {
				to(ascii)
			}
			ref(r)
			continue
		}
		to(jis0208)
		out = append(out, byte(p/94+0x21), byte(p%94+0x21))
	}
	to(ascii)
	return out
}
