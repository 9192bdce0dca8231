package dev.samsa.oracle;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/** One blocking TCP connection to a broker, speaking size-prefixed Kafka frames. */
final class WireConnection implements AutoCloseable {
  private final String host;
  private final int port;
  private Socket socket;
  private DataInputStream in;
  private OutputStream out;

  WireConnection(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /** The raw answer: the frame without its size, or null when the broker closed the connection. */
  ByteBuffer roundTrip(ByteBuffer frame) throws IOException {
    if (socket == null) connect();
    try {
      out.write(frame.array(), frame.arrayOffset(), frame.remaining());
      out.flush();
      int size = in.readInt();
      byte[] body = new byte[size];
      in.readFully(body);
      return ByteBuffer.wrap(body);
    } catch (EOFException | SocketException closed) {
      close();
      return null;
    }
  }

  /** Writes a request without waiting (the answer is read later by receive()). */
  boolean sendOnly(ByteBuffer frame) throws IOException {
    if (socket == null) connect();
    try {
      out.write(frame.array(), frame.arrayOffset(), frame.remaining());
      out.flush();
      return true;
    } catch (SocketException closed) {
      close();
      return false;
    }
  }

  /** The next answer frame, or null when the broker closed the connection. */
  ByteBuffer receive() throws IOException {
    if (socket == null) return null;
    try {
      int size = in.readInt();
      byte[] body = new byte[size];
      in.readFully(body);
      return ByteBuffer.wrap(body);
    } catch (EOFException | SocketException closed) {
      close();
      return null;
    }
  }

  private void connect() throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(30_000);
    socket.connect(new InetSocketAddress(host, port), 10_000);
    in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
    out = socket.getOutputStream();
  }

  /** Header (in the version the API's spec says) and body, size-prefixed. */
  static ByteBuffer encode(ApiKeys api, short version, int correlationId, String clientId,
      ApiMessage body) {
    RequestHeaderData header = new RequestHeaderData()
        .setRequestApiKey(api.id)
        .setRequestApiVersion(version)
        .setCorrelationId(correlationId)
        .setClientId(clientId);
    short headerVersion = api.requestHeaderVersion(version);
    ObjectSerializationCache cache = new ObjectSerializationCache();
    int size = header.size(cache, headerVersion) + body.size(cache, version);
    ByteBuffer buf = ByteBuffer.allocate(4 + size);
    buf.putInt(size);
    ByteBufferAccessor acc = new ByteBufferAccessor(buf);
    header.write(acc, cache, headerVersion);
    body.write(acc, cache, version);
    buf.flip();
    return buf;
  }

  /** A frame whose header names any version (e.g. one the broker does not serve). */
  static ByteBuffer encodeRaw(short apiKey, short version, short headerVersion, int correlationId,
      String clientId, byte[] body) {
    RequestHeaderData header = new RequestHeaderData()
        .setRequestApiKey(apiKey)
        .setRequestApiVersion(version)
        .setCorrelationId(correlationId)
        .setClientId(clientId);
    ObjectSerializationCache cache = new ObjectSerializationCache();
    int size = header.size(cache, headerVersion) + body.length;
    ByteBuffer buf = ByteBuffer.allocate(4 + size);
    buf.putInt(size);
    header.write(new ByteBufferAccessor(buf), cache, headerVersion);
    buf.put(body);
    buf.flip();
    return buf;
  }

  /** Decoded answer: header checked against the correlation id, body read in full. */
  static ApiMessage decode(ApiKeys api, short version, short responseHeaderVersion,
      int correlationId, ByteBuffer frame) {
    ByteBufferAccessor acc = new ByteBufferAccessor(frame);
    ResponseHeaderData header = new ResponseHeaderData(acc, responseHeaderVersion);
    if (header.correlationId() != correlationId) {
      throw new IllegalStateException(
          "correlation id " + header.correlationId() + " in the answer, expected " + correlationId);
    }
    ApiMessage body = api.messageType.newResponse();
    body.read(acc, version);
    if (frame.hasRemaining()) {
      throw new IllegalStateException(frame.remaining() + " bytes left after the "
          + api.name + " v" + version + " response body");
    }
    return body;
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    socket = null;
    in = null;
    out = null;
  }
}
