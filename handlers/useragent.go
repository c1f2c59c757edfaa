package handlers

import "strings"

// uaBrowsers and uaSystems are checked in order: the first token found
// names the browser or system. Order matters — Edge and Opera say
// "Chrome" too, Chrome says "Safari", iPhones say "Mac OS X" and Android
// says "Linux".
var (
	uaBrowsers = []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"Edge/", "Edge"},
		{"OPR/", "Opera"}, {"Opera", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Vivaldi/", "Vivaldi"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"HeadlessChrome/", "Chrome"}, {"Chrome/", "Chrome"},
		{"MSIE ", "Internet Explorer"}, {"Trident/", "Internet Explorer"},
		{"Version/", "Safari"}, // Safari alone carries Version/ and Safari/
		{"curl/", "curl"}, {"Go-http-client/", "Go program"}, {"python-requests/", "Python program"},
	}
	uaSystems = []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
		{"Windows", "Windows"}, {"CrOS", "ChromeOS"}, {"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
		{"Linux", "Linux"}, {"FreeBSD", "FreeBSD"},
	}
)

// userAgentLabel names the browser and system of a User-Agent header in
// words — "Chrome on Linux", "Safari on iPhone" — for lists of sessions.
// It is a hint for people, not a security check: the header is whatever
// the client sent.
func userAgentLabel(ua string) string {
	browser, system := "", ""
	for _, b := range uaBrowsers {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range uaSystems {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "Unknown browser"
}
