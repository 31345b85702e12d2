package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

/**
 * Runs DynamoDB calls: retries throttling and transaction conflicts with jittered exponential
 * backoff until a deadline, and maps every other SDK error to the SPI's exceptions once, here.
 */
final class Calls {

  private final DynamoConfig config;
  private final long deadlineNanos;
  private volatile boolean closed;

  Calls(DynamoConfig config) {
    this.config = config;
    this.deadlineNanos = Math.max(config.timeout().toNanos() * 3, 30_000_000_000L);
  }

  void close() {
    closed = true;
  }

  void checkOpen() {
    if (closed) {
      throw new KvClosedException("dynamodb:// " + config.where() + " is closed");
    }
  }

  /** Runs {@code call}, retrying throttling and transient transaction conflicts. */
  <T> T run(String what, Supplier<T> call) {
    Backoff backoff = backoff();
    while (true) {
      checkOpen();
      try {
        return call.get();
      } catch (ProvisionedThroughputExceededException | RequestLimitExceededException
          | TransactionConflictException e) {
        backoff.pause(what, e);
      } catch (TransactionCanceledException e) {
        if (!isTransient(e)) {
          throw e;
        }
        backoff.pause(what, e);
      } catch (RuntimeException e) {
        if (isThrottling(e)) {
          backoff.pause(what, e);
        } else {
          throw map(what, e);
        }
      }
    }
  }

  Backoff backoff() {
    return new Backoff(System.nanoTime() + deadlineNanos);
  }

  /** True if every failed reason of a cancelled txn is a conflict or throttling, no condition. */
  static boolean isTransient(TransactionCanceledException e) {
    if (!e.hasCancellationReasons()) {
      return false;
    }
    boolean any = false;
    for (var r : e.cancellationReasons()) {
      String code = r.code();
      if (code == null || code.equals("None")) {
        continue;
      }
      if (!code.equals("TransactionConflict") && !code.equals("ThrottlingError")
          && !code.equals("ProvisionedThroughputExceeded")) {
        return false;
      }
      any = true;
    }
    return any;
  }

  private static boolean isThrottling(RuntimeException e) {
    return e instanceof DynamoDbException d && d.awsErrorDetails() != null
        && "ThrottlingException".equals(d.awsErrorDetails().errorCode());
  }

  /** The one mapping from SDK errors to SPI errors. */
  RuntimeException map(String what, RuntimeException e) {
    if (e instanceof KvException) {
      return e;
    }
    if (closed && e instanceof AbortedException) {
      return new KvClosedException("dynamodb:// " + config.where() + " was closed during " + what);
    }
    if (e instanceof ResourceNotFoundException) {
      return new KvException("dynamodb:// " + config.where() + " does not exist (during " + what
          + "): " + e.getMessage(), e);
    }
    if (e instanceof SdkClientException) {
      return new KvUnavailableException("dynamodb:// cannot reach DynamoDB for " + config.where()
          + " during " + what + ": " + e.getMessage() + rootCause(e), e);
    }
    if (e instanceof DynamoDbException d && d.statusCode() >= 500) {
      return new KvUnavailableException("dynamodb:// server error for " + config.where()
          + " during " + what + ": " + e.getMessage(), e);
    }
    return new KvException("dynamodb:// " + what + " failed on " + config.where() + ": "
        + e.getMessage(), e);
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root == e) {
      Throwable[] suppressed = e.getSuppressed();
      return suppressed.length == 0 ? "" : rootCause(suppressed[suppressed.length - 1]);
    }
    return " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }

  /** Jittered exponential backoff from 2 ms to 200 ms, bounded by a deadline. */
  final class Backoff {
    private final long deadline;
    private long ceilingMicros = 2_000;
    private int attempts;

    private Backoff(long deadline) {
      this.deadline = deadline;
    }

    void pause(String what, RuntimeException cause) {
      attempts++;
      if (System.nanoTime() > deadline) {
        throw new KvUnavailableException("dynamodb:// " + what + " on " + config.where()
            + " still throttled or conflicting after " + attempts + " attempts: "
            + cause.getMessage(), cause);
      }
      long micros = ThreadLocalRandom.current().nextLong(ceilingMicros / 2, ceilingMicros + 1);
      ceilingMicros = Math.min(ceilingMicros * 2, 200_000);
      try {
        Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KvUnavailableException("dynamodb:// " + what + " interrupted", e);
      }
    }

    /**
     * Another commit won the race for the revision item: it made progress, so retry at once for
     * the first attempts, then with a short random pause (up to 1 ms per attempt, at most 20 ms)
     * so that contending writers spread out.
     */
    void retryQuickly(String what, RuntimeException cause) {
      attempts++;
      if (System.nanoTime() > deadline) {
        pause(what, cause);
      }
      if (attempts > 2) {
        long micros = ThreadLocalRandom.current().nextLong(Math.min(attempts, 20) * 1000L);
        try {
          Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KvUnavailableException("dynamodb:// " + what + " interrupted", e);
        }
      }
    }

    int attempts() {
      return attempts;
    }
  }
}
