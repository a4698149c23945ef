package keyrelay

// ChangeStamp is an opaque token of everything committed to the store up
// to the moment it was read, by this process or any other. Two equal
// stamps mean that no transaction was committed in between; "" means the
// store could not tell, and must be read as "may have changed".
type ChangeStamp string

// Same reports whether nothing was committed between the looks that
// returned s and o. An unknown stamp is never the same as another.
func (s ChangeStamp) Same(o ChangeStamp) bool { return s != "" && s == o }

// ChangeSource tells a loop that polls the store (the outbox, the
// reminder) whether anything changed since its last look without running
// SQL, so an idle helper runs no query while nothing changes. The sqlite
// DB implements it.
type ChangeSource interface {
	ChangeStamp() ChangeStamp
}

// StampOf is src's stamp, or "" (may have changed) when there is no
// source: a loop given none looks at every tick, as it always did.
func StampOf(src ChangeSource) ChangeStamp {
	if src == nil {
		return ""
	}
	return src.ChangeStamp()
}
