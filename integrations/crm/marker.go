package crm

import "strings"

// HasMarker reports whether text holds marker as a whole: not followed by a
// letter or digit, so "crowdwise-writeback: 12" is not found in a text that
// holds "crowdwise-writeback: 123".
func HasMarker(text, marker string) bool {
	if marker == "" {
		return false
	}
	for {
		i := strings.Index(text, marker)
		if i < 0 {
			return false
		}
		text = text[i+len(marker):]
		if text == "" || !isWordByte(text[0]) {
			return true
		}
	}
}

func isWordByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
