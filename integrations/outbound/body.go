package outbound

import "io"

// cappedBody returns at most left bytes, then ErrResponseTooLarge if the
// response had more, or io.EOF if it ended exactly at the limit.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	err  error // sticky once the limit is reached
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, err := io.ReadFull(b.rc, one[:]); n > 0 {
			b.err = ErrResponseTooLarge
		} else if err == io.EOF || err == io.ErrUnexpectedEOF {
			b.err = io.EOF
		} else {
			return 0, err
		}
		return 0, b.err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
