package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** URI parameters as every quorumfs URI is read: percent-decoded, each key once. */
class UriQueryTest {

  @Test
  void percentDecodes_aPathWithASpaceAndAPercent() {
    String path = "/tmp/my keys/100% sure+.p12";
    String uri = UriQuery.with("raft://[::1]:9871,[::1]:9872", "tlsKeyStore", path);
    assertEquals("raft://[::1]:9871,[::1]:9872?tlsKeyStore=/tmp/my%20keys/100%25%20sure%2B.p12", uri);
    assertEquals(Optional.of(path), UriQuery.of(uri).get("tlsKeyStore"));
    URI http = URI.create(UriQuery.with("https://[::1]:7480", "tlsKeyStore", path));
    assertEquals(path, UriQuery.of(http).get("tlsKeyStore", null));
  }

  @Test
  void plusStaysAPlus_andUtf8IsDecoded() {
    assertEquals("a+b", UriQuery.of("mem:?x=a+b").get("x", null));
    assertEquals("é ✓", UriQuery.of("mem:?x=%C3%A9%20%E2%9C%93").get("x", null));
    assertEquals("日本", UriQuery.of("mem:?x=日本").get("x", null));
  }

  @Test
  void readsOpaqueAndHierarchicalUris_keepsOrder_endsAtFragment() {
    assertEquals(Map.of("history", "9"), UriQuery.of(URI.create("mem:?history=9")).asMap());
    assertEquals(List.of("b", "a", "flag"),
        List.copyOf(UriQuery.of("rocks:///d?b=2&a=1&&flag#frag=x").asMap().keySet()));
    assertEquals("", UriQuery.of("rocks:///d?flag").get("flag", null));
    assertTrue(UriQuery.of("rocks:///d").isEmpty());
    assertTrue(UriQuery.of("rocks:///d?").isEmpty());
  }

  @Test
  void badInput_isNamedWithTheFix() {
    assertEquals("parameter 'a' is given twice in 'mem:'; give it once",
        assertThrows(IllegalArgumentException.class, () -> UriQuery.of("mem:?a=1&a=2")).getMessage());
    assertEquals("'%zz' in a parameter of 'mem:' is not a percent-escape; write a % as %25 (and a space as %20)",
        assertThrows(IllegalArgumentException.class, () -> UriQuery.of("mem:?a=%zz")).getMessage());
    assertEquals("'%' in a parameter of 'mem:' is not a percent-escape; write a % as %25 (and a space as %20)",
        assertThrows(IllegalArgumentException.class, () -> UriQuery.of("mem:?a=100%")).getMessage());
    assertEquals("'mem:' has a parameter without a name",
        assertThrows(IllegalArgumentException.class, () -> UriQuery.of("mem:?=1")).getMessage());
    assertEquals("rocks:// unknown parameter 'bogus' in 'rocks:///d'; known: a, b",
        assertThrows(IllegalArgumentException.class,
            () -> UriQuery.of("rocks:///d?bogus=1").requireKnown("rocks://", Set.of("b", "a"))).getMessage());
  }

  @Test
  void messages_showNeitherTheQueryNorAPassword() {
    assertEquals("redis://user:***@[::1]:6379/0", UriQuery.shown("redis://user:secret@[::1]:6379/0?token=t"));
    assertEquals("redis://***@h", UriQuery.shown("redis://secret@h"));
    assertEquals("http://[::1]:7480", UriQuery.shown("http://[::1]:7480?token=secret#x"));
    String m = assertThrows(IllegalArgumentException.class,
        () -> UriQuery.of("redis://:pw@h?token=secret&token=x")).getMessage();
    assertEquals("parameter 'token' is given twice in 'redis://:***@h'; give it once", m);
  }

  @Test
  void hosts_readsSeveralBracketedAddresses() {
    assertEquals(List.of(new HostPort("::1", 9871), new HostPort("::1", 9872), new HostPort("meta3", 9873)),
        UriQuery.hosts("raft://[::1]:9871,[::1]:9872, meta3:9873/?group=g"));
    assertEquals(List.of(new HostPort("127.0.0.1", 1)), UriQuery.hosts("127.0.0.1:1"));
    assertEquals("address in 'raft://::1:9871': '::1:9871': an IPv6 address is written in brackets, e.g. [::1]:9871",
        assertThrows(IllegalArgumentException.class, () -> UriQuery.hosts("raft://::1:9871")).getMessage());
    assertEquals("address [::1]:1 appears twice in 'raft://[::1]:1,[::1]:1'",
        assertThrows(IllegalArgumentException.class, () -> UriQuery.hosts("raft://[::1]:1,[::1]:1")).getMessage());
  }

  @Test
  void with_appendsToAnExistingQuery() {
    assertEquals("raft://h:1?group=g&x=a%26b", UriQuery.with("raft://h:1?group=g", "x", "a&b"));
    assertEquals("raft://h:1?x=1", UriQuery.with("raft://h:1?", "x", "1"));
  }
}
