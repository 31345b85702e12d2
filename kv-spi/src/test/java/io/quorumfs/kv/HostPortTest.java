package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** host:port as quorumfs writes addresses: names, IPv4, and IPv6 literals in brackets. */
class HostPortTest {

  @Test
  void parsesNamesIpv4AndBracketedIpv6() {
    assertEquals(new HostPort("meta1", 9871), HostPort.parse("meta1:9871"));
    assertEquals(new HostPort("127.0.0.1", 0), HostPort.parse(" 127.0.0.1:0 "));
    assertEquals(new HostPort("::1", 9871), HostPort.parse("[::1]:9871"));
    assertEquals(new HostPort("fe80::1%lo", 80), HostPort.parse("[fe80::1%lo]:80"));
  }

  @Test
  void writesIpv6InBrackets_soThatParseReadsItBack() {
    HostPort v6 = new HostPort("::1", 9871);
    assertEquals("[::1]:9871", v6.toString());
    assertEquals("[::1]", v6.uriHost());
    assertEquals(v6, HostPort.parse(v6.toString()));
    assertEquals("127.0.0.1:7480", new HostPort("127.0.0.1", 7480).toString());
    assertEquals(9871, HostPort.parse("[::1]:9871").socketAddress().getPort());
  }

  @Test
  void badInput_isNamedWithTheFix() {
    assertEquals("'::1:9871': an IPv6 address is written in brackets, e.g. [::1]:9871",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("::1:9871")).getMessage());
    assertEquals("'9100' is not host:port",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("9100")).getMessage());
    assertEquals("'[::1]9100' is not [ipv6]:port",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("[::1]9100")).getMessage());
    assertEquals("'[10.0.0.1]:80': brackets are only for IPv6 literals",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("[10.0.0.1]:80")).getMessage());
    assertEquals("port of 'h:99999' is not 0..65535",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:99999")).getMessage());
    assertEquals("port of 'h:x' is not a number",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:x")).getMessage());
  }
}
