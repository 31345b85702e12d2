package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** git, tar, cp -a and sqlite3 working on a real mount. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealToolsTest {
  private Path tmp;
  private MountedFs m;
  private Path tree;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    tmp = dir;
    m = MountedFs.mount(tmp, "tools");
    tree = generateTree(Files.createDirectories(tmp.resolve("native-tree")), 7);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (m != null) {
      m.close();
    }
  }

  /** ~300 files in nested directories, with a symlink, an empty file and an executable. */
  static Path generateTree(Path root, long seed) throws IOException {
    Random r = new Random(seed);
    for (int d = 0; d < 10; d++) {
      Path dir = Files.createDirectories(root.resolve("dir" + d).resolve("sub" + (d % 3)));
      for (int f = 0; f < 30; f++) {
        byte[] data = new byte[r.nextInt(f == 0 ? 300_000 : 6_000)];
        for (int i = 0; i < data.length; i++) {
          data[i] = (byte) ('a' + r.nextInt(26));
        }
        Files.write(dir.resolve("file" + f + ".txt"), data);
      }
    }
    Files.createFile(root.resolve("empty"));
    Files.createSymbolicLink(root.resolve("link"), Path.of("dir0/sub0/file1.txt"));
    Path exe = Files.writeString(root.resolve("run.sh"), "#!/bin/sh\necho ran\n");
    Mounts.sh("chmod 755 " + exe).ok();
    return root;
  }

  private static String sh(String cmd) {
    return Mounts.sh(cmd).ok().out();
  }

  @Test
  void git_initAddCommit_ofAGeneratedTree() throws Exception {
    Path repo = m.path("repo");
    sh("cp -r " + tree + " " + repo);
    sh("cd " + repo + " && git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm first");
    assertEquals("", sh("cd " + repo + " && git status --porcelain"));
    sh("cd " + repo + " && git fsck --full 2>&1");
    sh("cd " + repo + " && echo change >> dir1/sub1/file3.txt && git -c user.email=t@t -c user.name=t commit -qam second");
    assertEquals("2", sh("cd " + repo + " && git rev-list --count HEAD").strip());
    assertEquals("ran\n", sh(repo.resolve("run.sh").toString()));
  }

  @Test
  void tar_extractAndRecreate_giveIdenticalChecksums() throws Exception {
    Path archive = tmp.resolve("tree.tar");
    sh("tar -C " + tree + " --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf " + archive + " .");
    Path x = Files.createDirectories(m.path("extracted"));
    sh("tar -C " + x + " -xf " + archive);
    Path again = tmp.resolve("again.tar");
    sh("tar -C " + x + " --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf " + again + " .");
    assertEquals(sh("sha256sum < " + archive), sh("sha256sum < " + again));
    assertEquals(sh("cd " + tree + " && find . -type f -exec sha256sum {} + | sort -k2"),
        sh("cd " + x + " && find . -type f -exec sha256sum {} + | sort -k2"));
  }

  @Test
  void cpA_roundTrip_keepsContentModesTimesAndLinks() throws Exception {
    Path in = m.path("cpa");
    sh("cp -a " + tree + " " + in);
    Path back = tmp.resolve("back");
    sh("cp -a " + in + " " + back);
    String listing = "find . -printf '%P %y %m %s %T@ %l\\n' | sort";
    assertEquals(sh("cd " + tree + " && " + listing), sh("cd " + in + " && " + listing));
    assertEquals(sh("cd " + tree + " && " + listing), sh("cd " + back + " && " + listing));
    assertEquals("", sh("diff -r --no-dereference " + tree + " " + back));
  }

  @Test
  void sqlite3_createsAndQueriesADatabase() throws Exception {
    Path db = m.path("db/test.sqlite");
    Files.createDirectories(db.getParent());
    sh("sqlite3 " + db + " 'create table t(id integer primary key, v text);"
        + " with recursive c(x) as (select 1 union all select x+1 from c where x < 5000)"
        + " insert into t(v) select hex(randomblob(40)) from c;"
        + " create index tv on t(v);'");
    for (int i = 0; i < 20; i++) {
      sh("sqlite3 " + db + " \"begin; update t set v = 'u" + i + "' where id % 20 = " + i + "; commit;\"");
    }
    assertEquals("5000", sh("sqlite3 " + db + " 'select count(*) from t'").strip());
    assertEquals("250", sh("sqlite3 " + db + " \"select count(*) from t where v = 'u3'\"").strip());
    assertEquals("ok", sh("sqlite3 " + db + " 'pragma integrity_check'").strip());
    sh("sqlite3 " + db + " 'pragma journal_mode=wal; insert into t(v) values (1);'");
    assertEquals("ok", sh("sqlite3 " + db + " 'pragma integrity_check'").strip());
    assertTrue(Files.size(db) > 100_000);
  }
}
