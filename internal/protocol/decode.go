package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// clientTypes are the messages a client may send, and the Go type each
// decodes into.
var clientTypes = map[string]func() Message{
	TypePairRequest: func() Message { return &PairRequest{} },
	TypePairClaim:   func() Message { return &PairClaim{} },
	TypeAuthBegin:   func() Message { return &AuthBegin{} },
	TypeAuth:        func() Message { return &Auth{} },
	TypeCapture:     func() Message { return &CaptureMsg{} },
	TypeAppList:     func() Message { return &AppList{} },
	TypeLoginURL:    func() Message { return &LoginURLRequest{} },
	TypeStatus:      func() Message { return &StatusRequest{} },
	TypePing:        func() Message { return &Ping{} },
	TypePong:        func() Message { return &Pong{} },
}

// serverTypes are the messages the helper sends.
var serverTypes = map[string]func() Message{
	TypeHello:         func() Message { return &Hello{} },
	TypePairPending:   func() Message { return &PairPending{} },
	TypePairApproved:  func() Message { return &PairApproved{} },
	TypeAuthChallenge: func() Message { return &AuthChallenge{} },
	TypeAuthOK:        func() Message { return &AuthOK{} },
	TypeCaptureAck:    func() Message { return &CaptureAck{} },
	TypeAppListAck:    func() Message { return &AppListAck{} },
	TypeLoginURL:      func() Message { return &LoginURLReply{} },
	TypeStatus:        func() Message { return &StatusReply{} },
	TypeDelivery:      func() Message { return &Delivery{} },
	TypePing:          func() Message { return &Ping{} },
	TypePong:          func() Message { return &Pong{} },
	TypeError:         func() Message { return &ErrorMsg{} },
}

// Encode sets m's version and type and marshals it.
func Encode(m Message) ([]byte, error) {
	h := m.Head()
	h.V, h.Type = Version, m.MsgType()
	return json.Marshal(m)
}

// DecodeClient decodes one frame a client sent. It is strict: the frame must
// be one JSON object with "v":1, a known client type, exactly the documented
// field names (case-sensitive, no duplicates, no extras) of the right JSON
// types, required fields present and every string within its limit. A
// non-nil error is always an *Error whose messages never quote the input.
func DecodeClient(data []byte) (Message, error) {
	fields, ref, err := envelope(data)
	if err != nil {
		return nil, err
	}
	newMsg, ok := clientTypes[fieldString(fields["type"])]
	if !ok {
		return nil, errorf(CodeUnknownType, ref, "メッセージの種類（type）が不明です。", "Unknown or missing message type.")
	}
	m := newMsg()
	if err := strictUnmarshal(data, m, ref); err != nil {
		return nil, err
	}
	if err := validate(m, ref); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeServer decodes one frame the helper sent. It is lenient about extra
// fields so a newer helper does not break an older client, but insists on
// the version and a known type.
func DecodeServer(data []byte) (Message, error) {
	fields, ref, err := envelope(data)
	if err != nil {
		return nil, err
	}
	newMsg, ok := serverTypes[fieldString(fields["type"])]
	if !ok {
		return nil, errorf(CodeUnknownType, ref, "メッセージの種類（type）が不明です。", "Unknown or missing message type.")
	}
	m := newMsg()
	if err := json.Unmarshal(data, m); err != nil {
		return nil, errorf(CodeBadMessage, ref, "メッセージの項目の型が正しくありません。", "A field of the message has the wrong type.")
	}
	return m, nil
}

// envelope checks the frame is a JSON object of version 1 and returns its
// top-level fields and, when valid, its id for the reply's ref.
func envelope(data []byte) (map[string]json.RawMessage, string, error) {
	if !utf8.Valid(data) {
		return nil, "", errorf(CodeBadJSON, "", "メッセージがUTF-8のJSONではありません。", "The message is not UTF-8 JSON.")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, "", errorf(CodeBadJSON, "", "メッセージがJSONオブジェクトとして読めません。", "The message is not a JSON object.")
	}
	ref := ""
	if raw, ok := fields["id"]; ok {
		var id string
		if json.Unmarshal(raw, &id) != nil || len(id) > MaxIDLen {
			return nil, "", errorf(CodeBadMessage, "", "id は%dバイト以内の文字列にしてください。", "id must be a string of at most %d bytes.", MaxIDLen)
		}
		ref = id
	}
	if !bytes.Equal(bytes.TrimSpace(fields["v"]), []byte("1")) {
		return nil, ref, errorf(CodeBadVersion, ref, "プロトコルのバージョン（v）が1ではありません。拡張機能とヘルパーを同じ版に更新してください。",
			"Protocol version (v) is not 1. Update the extension and the helper to matching versions.")
	}
	return fields, ref, nil
}

func fieldString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// strictUnmarshal refuses unknown, duplicate and differently-cased field
// names (encoding/json would accept all three) and then unmarshals.
func strictUnmarshal(data []byte, m Message, ref string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := walk(dec, reflect.TypeOf(m).Elem(), ""); err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.Ref = ref
			return pe
		}
		return errorf(CodeBadJSON, ref, "メッセージがJSONとして読めません。", "The message is not valid JSON.")
	}
	if err := json.Unmarshal(data, m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return errorf(CodeBadMessage, ref, "項目 %s の型が正しくありません（%sが必要です）。", "Field %s has the wrong type (want %s).", te.Field, jsonKind(te.Type))
		}
		return errorf(CodeBadMessage, ref, "メッセージの項目の型が正しくありません。", "A field of the message has the wrong type.")
	}
	return nil
}

// walk reads one JSON value from dec, checking object keys against t's json
// field names. Values whose Go type is not a struct are walked unchecked;
// their type is left to json.Unmarshal.
func walk(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch d {
	case '{':
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			var ft reflect.Type
			known := true
			if fields != nil {
				ft, known = fields[key]
			}
			if !known {
				return errorf(CodeBadMessage, "", "%sに不明な項目があります。", "Unknown field in %s.", where(path))
			}
			name := path // a key of a free-form object is never echoed
			if fields != nil {
				name = joinPath(path, key)
			}
			if seen[key] {
				return errorf(CodeBadMessage, "", "項目 %s が重複しています。", "Field %s appears twice.", where(name))
			}
			seen[key] = true
			if err := walk(dec, ft, name); err != nil {
				return err
			}
		}
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walk(dec, elem, path+"[]"); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// fieldsByType caches jsonFields: a capture walks a dozen API objects per
// message, and reflecting over the same types each time cost as much as the
// walk itself.
var fieldsByType sync.Map // reflect.Type → map[string]reflect.Type (read only)

// jsonFields maps the json names of t's fields (embedded structs flattened)
// to their types. The map is shared: never modify it.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldsByType.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := reflectFields(t)
	fieldsByType.Store(t, m)
	return m
}

func reflectFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range reflectFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// where names a position for an error. Only field names that matched the
// message's Go type reach it, so a client cannot make an error (and so a log
// line) echo an arbitrary string such as a key.
func where(path string) string {
	if path == "" {
		return "message"
	}
	return path
}

func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Pointer, reflect.Map:
		return "object"
	}
	return t.Kind().String()
}
