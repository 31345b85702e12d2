package io.quorumfs.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest (or "development" when run from classes). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {
        "quorumfs " + (v == null ? "0.1.0-SNAPSHOT (development)" : v),
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
    };
  }
}
