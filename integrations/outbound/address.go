package outbound

import (
	"fmt"
	"net/netip"
)

// metadata are cloud instance-metadata and host-agent endpoints, refused
// even with AllowPrivate: they hand out credentials and are never a receiver.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task credentials
	netip.MustParseAddr("169.254.170.23"),  // AWS EKS pod identity
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
	netip.MustParseAddr("fd00:ec2::23"),    // AWS EKS pod identity over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("168.63.129.16"),   // Azure WireServer
	netip.MustParseAddr("192.0.0.192"),     // Oracle Cloud (legacy)
}

type addrRange struct {
	prefix  netip.Prefix
	what    string
	private bool // allowed with AllowPrivate
}

// ranges are checked in order after IPv4-mapped addresses are unmapped;
// a more specific prefix comes before the one containing it.
var ranges = []addrRange{
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address", false},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address", true},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address", true},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address", true},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address", true},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address", true},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address", false},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address", false},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address", true},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address", false},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address", false},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address", false},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address", false},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address", false}, // and broadcast

	{netip.MustParsePrefix("::/128"), "an unspecified address", false},
	{netip.MustParsePrefix("::1/128"), "a loopback address", true},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible address", false},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local NAT64 address", false},
	{netip.MustParsePrefix("100::/64"), "a discard address", false},
	{netip.MustParsePrefix("2001::/32"), "a Teredo address", false},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address", false},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local) address", true},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address", true},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address", true},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address", false},
}

// IPv6 forms that carry an IPv4 address a gateway may forward to.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// classify names what kind of internal address a is ("" for a public one)
// and whether AllowPrivate permits it.
func classify(a netip.Addr) (what string, private bool) {
	a = a.WithZone("").Unmap()
	for _, m := range metadata {
		if a == m {
			return "a cloud metadata address", false
		}
	}
	if a.Is6() {
		b := a.As16()
		var v4 netip.Addr
		switch {
		case nat64.Contains(a):
			v4 = netip.AddrFrom4([4]byte(b[12:16]))
		case sixToFour.Contains(a):
			v4 = netip.AddrFrom4([4]byte(b[2:6]))
		}
		if v4.IsValid() {
			if what, private := classify(v4); what != "" {
				return what + " inside an IPv6 address", private
			}
			return "", false
		}
	}
	for _, r := range ranges {
		if r.prefix.Contains(a) {
			return r.what, r.private
		}
	}
	return "", false
}

// checkAddr refuses a unless it is public or allowed by the policy; host
// is the name it came from, for the message.
func (p *Policy) checkAddr(host string, a netip.Addr) error {
	what, private := classify(a)
	if what == "" || (private && p.AllowPrivate) {
		return nil
	}
	subject := a.String()
	if host != "" && host != subject {
		subject = fmt.Sprintf("%s resolves to %s, which", host, a)
	}
	reason := fmt.Sprintf("%s is %s", subject, what)
	if private {
		reason += " (allowed only with CROWDWISE_ALLOW_PRIVATE_OUTBOUND=true)"
	}
	return refused(reason)
}
