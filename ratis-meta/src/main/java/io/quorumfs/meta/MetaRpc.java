package io.quorumfs.meta;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcUtil;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;

/**
 * quorumfs's own gRPC services, served on each replica's Ratis port (the client-facing Netty
 * server, so Ratis's TLS set-up applies to them as well). No protoc: every method carries raw
 * bytes ({@link #BYTES}) encoded with {@link Wire}.
 *
 * <p>Use: {@link #add} each {@link ServerServiceDefinition} before the Ratis server is built,
 * then {@link #install} into the server's {@link Parameters}. Clients open a channel with
 * {@link #channel}. Service names live under {@code quorumfs.meta.}.
 */
final class MetaRpc {

  /** Largest message our services send or accept (same as Ratis's gRPC maximum). */
  static final int MAX_MESSAGE_BYTES = 16 << 20;

  /** A byte-array marshaller: the message is the bytes themselves. */
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private final List<ServerServiceDefinition> services = new CopyOnWriteArrayList<>();

  /** Adds a service; call before the Ratis server is built. */
  MetaRpc add(ServerServiceDefinition service) {
    services.add(service);
    return this;
  }

  List<ServerServiceDefinition> services() {
    return List.copyOf(services);
  }

  /** Makes the Ratis server add our services next to its client service. */
  void install(Parameters p) {
    GrpcConfigKeys.Server.setServicesCustomizer(p, (builder, types) -> customize(builder, types));
  }

  private org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder customize(
      org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
    if (types.contains(GrpcServices.Type.CLIENT)) {
      for (ServerServiceDefinition s : services) {
        builder.addService(s);
      }
    }
    return builder;
  }

  /** A method descriptor of service {@code quorumfs.meta.<service>} carrying raw bytes. */
  static MethodDescriptor<byte[], byte[]> method(String service, String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("quorumfs.meta." + service, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  /**
   * A channel to the replica at {@code address} ({@code host:port}); mutual TLS with the same key
   * and trust material as the Ratis client when {@code tls} is set, plain otherwise.
   */
  static ManagedChannel channel(String address, Tls tls) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(address).maxInboundMessageSize(MAX_MESSAGE_BYTES);
    if (tls == null) {
      b.usePlaintext();
    } else {
      try {
        b.useTransportSecurity().sslContext(GrpcUtil.buildSslContextForClient(tls.grpcConfig()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("TLS channel to " + address + " could not be set up: " + e.getMessage(), e);
      }
    }
    return b.build();
  }


  /**
   * Submits {@code payload} to this replica's own Raft server as a read ({@code read}) or write
   * request from {@code client}: how the Commit and Read services reach Ratis without a network
   * hop. Never throws; a refusal is the returned future's failure or the reply's exception.
   */
  static CompletableFuture<RaftClientReply> submitLocal(RaftServer.Division d, ClientId client, long callId,
                                                        byte[] payload, boolean read) {
    try {
      if (d == null) {
        throw new IllegalStateException("replica is not running");
      }
      RaftClientRequest rq = RaftClientRequest.newBuilder()
          .setClientId(client)
          .setServerId(d.getId())
          .setGroupId(d.getGroup().getGroupId())
          .setCallId(callId)
          .setMessage(MetaStateMachine.message(payload))
          .setType(read ? RaftClientRequest.readRequestType() : RaftClientRequest.writeRequestType())
          .build();
      return d.getRaftServer().submitClientRequestAsync(rq);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@link Wire#NOT_LEADER} with {@code leader}'s address (our own when we lead but cannot serve
   * yet), then why (the commit client reads only the address).
   */
  static byte[] notLeader(RaftServer.Division d, RaftPeerId leader, String why) {
    String address = "";
    if (leader != null && d != null) {
      RaftPeer peer = d.getGroup().getPeer(leader);
      if (peer != null) {
        address = peer.getAddress();
      }
    }
    return new Wire.Out(address.length() + why.length() + 16).b(Wire.NOT_LEADER).str(address).str(why).bytes();
  }
}
