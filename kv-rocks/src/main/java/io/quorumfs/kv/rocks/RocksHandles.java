package io.quorumfs.kv.rocks;

import io.quorumfs.kv.KvException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/** The native RocksDB objects of one open store, opened and closed together. */
final class RocksHandles {

  static {
    RocksDB.loadLibrary();
  }

  final Path dir;
  final RocksDB db;
  final ColumnFamilyHandle data;
  final ColumnFamilyHandle changes;
  final ColumnFamilyHandle system;
  final WriteOptions writeOptions;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final ColumnFamilyOptions logOptions;
  private final LRUCache cache;
  private final BloomFilter filter;
  private final List<ColumnFamilyHandle> handles;

  private RocksHandles(Path dir, RocksDB db, List<ColumnFamilyHandle> handles, WriteOptions wo, DBOptions dbo,
      ColumnFamilyOptions cfo, ColumnFamilyOptions lo, LRUCache cache, BloomFilter filter) {
    this.dir = dir;
    this.db = db;
    this.handles = handles;
    this.data = handles.get(0);
    this.changes = handles.get(1);
    this.system = handles.get(2);
    this.writeOptions = wo;
    this.dbOptions = dbo;
    this.cfOptions = cfo;
    this.logOptions = lo;
    this.cache = cache;
    this.filter = filter;
  }

  static RocksHandles open(Path dir, RocksOptions o) {
    Path abs = dir.toAbsolutePath();
    try {
      Files.createDirectories(abs);
    } catch (IOException | SecurityException e) {
      throw new KvException("cannot create the rocks:// directory " + abs + ": " + e, e);
    }
    if (!Files.isDirectory(abs) || !Files.isWritable(abs)) {
      throw new KvException("the rocks:// directory " + abs + " is not a writable directory");
    }
    LRUCache cache = new LRUCache(o.blockCacheBytes());
    BloomFilter filter = new BloomFilter(10);
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(cache)
        .setFilterPolicy(filter)
        .setBlockSize(16 * 1024);
    ColumnFamilyOptions cfo = new ColumnFamilyOptions()
        .setTableFormatConfig(table)
        .setWriteBufferSize(o.writeBufferBytes());
    ColumnFamilyOptions lo = new ColumnFamilyOptions()
        .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache))
        .setWriteBufferSize(Math.max(64 * 1024, o.writeBufferBytes() / 4));
    DBOptions dbo = new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2)
        .setKeepLogFileNum(2);
    WriteOptions wo = new WriteOptions().setSync(o.fsyncEachCommit());
    List<ColumnFamilyDescriptor> cfs = List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfo),
        new ColumnFamilyDescriptor("changes".getBytes(StandardCharsets.UTF_8), lo),
        new ColumnFamilyDescriptor("system".getBytes(StandardCharsets.UTF_8), lo));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      RocksDB db = RocksDB.open(dbo, abs.toString(), cfs, handles);
      return new RocksHandles(abs, db, handles, wo, dbo, cfo, lo, cache, filter);
    } catch (RocksDBException e) {
      wo.close();
      dbo.close();
      cfo.close();
      lo.close();
      filter.close();
      cache.close();
      String hint = e.getMessage() != null && e.getMessage().contains("lock") ? " (is it open in another store or process?)" : "";
      throw new KvException("cannot open the rocks:// store in " + abs + hint + ": " + e.getMessage(), e);
    }
  }

  void close() {
    for (ColumnFamilyHandle hnd : handles) {
      hnd.close();
    }
    db.close();
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
    logOptions.close();
    filter.close();
    cache.close();
  }
}
