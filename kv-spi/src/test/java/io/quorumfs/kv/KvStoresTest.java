package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class KvStoresTest {

  @Test
  void open_mem_givesAFreshStore() {
    try (KvStore a = KvStores.open("mem:"); KvStore b = KvStores.open("mem:?history=5")) {
      a.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("v")).build());
      assertEquals(0, b.get(Bytes.utf8("k")).version());
      assertTrue(a.capabilities().contains(Capability.WATCH_HISTORY));
    }
  }

  @Test
  void open_unknownScheme_listsTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("nosuch://x"));
    assertTrue(e.getMessage().contains("nosuch") && e.getMessage().contains("mem"), e.getMessage());
  }

  @Test
  void open_withoutScheme_saysSo() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("just/a/path"));
    assertTrue(e.getMessage().contains("no scheme"), e.getMessage());
  }

  @Test
  void open_malformedUri_namesThePosition() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("mem:?a b"));
    assertTrue(e.getMessage().contains("position"), e.getMessage());
    assertTrue(e.getMessage().contains("write a space as %20 and a % as %25"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("mem://:pw@h?secret=1 2"));
    assertTrue(e.getMessage().startsWith("malformed store URI 'mem://:***@h'"), e.getMessage());
  }

  @Test
  void open_memWithUnknownOrBadParameter_namesIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("mem:?histroy=3"));
    assertTrue(e.getMessage().contains("histroy"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("mem:?history=lots"));
    assertTrue(e.getMessage().contains("history"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("mem:?history=0"));
    assertTrue(e.getMessage().contains("history"), e.getMessage());
  }
}
