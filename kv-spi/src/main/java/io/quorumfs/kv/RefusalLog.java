package io.quorumfs.kv;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of every quorumfs TLS endpoint (Ratis gRPC channels, the blob server and its
 * clients): the JDK's default X.509 trust manager over a PKCS12 trust store, which logs each
 * certificate it refuses before refusing it, so connection and authentication events can be
 * singled out in one log ({@code quorumfs.conn}).
 *
 * <p>Refusals are rate-limited per (side, certificate subject): the first is logged at once, then
 * at most one line per {@link #INTERVAL_NANOS}, carrying how many were refused in between — a
 * misconfigured client that reconnects in a loop cannot flood the log. Thread-safe.
 */
public final class RefusalLog extends X509ExtendedTrustManager {

  /** At most one log line per side and subject in this interval (one minute). */
  static final long INTERVAL_NANOS = 60_000_000_000L;
  /** Subjects remembered at most; beyond it the table starts afresh (a flood of new names). */
  private static final int MAX_SUBJECTS = 1024;

  private final X509ExtendedTrustManager delegate;
  private final String where;
  private final Consumer<String> warn;
  private final LongSupplier nanoClock;
  private final Map<String, long[]> seen = new ConcurrentHashMap<>();

  RefusalLog(X509ExtendedTrustManager delegate, String where, Consumer<String> warn, LongSupplier nanoClock) {
    this.delegate = delegate;
    this.where = where;
    this.warn = warn;
    this.nanoClock = nanoClock;
  }

  /**
   * The default trust manager over the certificates of a PKCS12 trust store, logging refusals.
   *
   * @param trustStore PKCS12 file with the trusted certificates (or CA)
   * @param password its password
   * @param where what the connection is, for the log line ("replica channel", "blob server")
   * @param warn where a refusal line goes (the caller's {@code quorumfs.conn} logger)
   * @throws IOException when the file cannot be read
   * @throws GeneralSecurityException when it is not a PKCS12 store or the password is wrong
   */
  public static RefusalLog open(Path trustStore, String password, String where, Consumer<String> warn)
      throws IOException, GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(TlsFiles.loadPkcs12(trustStore, password));
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager) {
        return new RefusalLog((X509ExtendedTrustManager) tm, where, warn, System::nanoTime);
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager for " + trustStore);
  }

  private CertificateException refused(String side, X509Certificate[] chain, String peer, CertificateException e) {
    String subject = chain == null || chain.length == 0 ? "(no certificate)"
        : chain[0].getSubjectX500Principal().getName();
    long now = nanoClock.getAsLong();
    if (seen.size() > MAX_SUBJECTS) {
      seen.clear();
    }
    long[] state = seen.computeIfAbsent(side + '\n' + subject, k -> new long[] {now - INTERVAL_NANOS, 0});
    long suppressed;
    synchronized (state) {
      if (now - state[0] < INTERVAL_NANOS) {
        state[1]++;
        return e;
      }
      suppressed = state[1];
      state[0] = now;
      state[1] = 0;
    }
    warn.accept("TLS: refused " + side + " certificate '" + subject + "' on a " + where + " (peer " + peer + "): "
        + e.getMessage() + (suppressed == 0 ? "" : " (" + suppressed + " more refused since the last report)"));
    return e;
  }

  private static String peer(Socket s) {
    return s == null ? "?" : String.valueOf(s.getRemoteSocketAddress());
  }

  private static String peer(SSLEngine e) {
    return e == null || e.getPeerHost() == null ? "?" : e.getPeerHost() + ":" + e.getPeerPort();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String auth) throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, auth);
    } catch (CertificateException e) {
      throw refused("client", chain, "?", e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String auth, Socket s) throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, auth, s);
    } catch (CertificateException e) {
      throw refused("client", chain, peer(s), e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String auth, SSLEngine en) throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, auth, en);
    } catch (CertificateException e) {
      throw refused("client", chain, peer(en), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String auth) throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, auth);
    } catch (CertificateException e) {
      throw refused("server", chain, "?", e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String auth, Socket s) throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, auth, s);
    } catch (CertificateException e) {
      throw refused("server", chain, peer(s), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String auth, SSLEngine en) throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, auth, en);
    } catch (CertificateException e) {
      throw refused("server", chain, peer(en), e);
    }
  }

  /**
   * None: a server then asks for "any certificate", so a client whose certificate another CA signed
   * still presents it and is refused (and logged) here, instead of sending none.
   */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
