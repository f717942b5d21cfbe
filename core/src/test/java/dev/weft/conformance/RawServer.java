package dev.weft.conformance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A listening socket played with plain {@code java.net}: a server Weft's client cannot trust, or one
 * that never accepts. Every accept waits at most {@link Outcome#WAIT_SECONDS}.
 */
public final class RawServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<AutoCloseable> owned = new ArrayList<>();

    private RawServer(ServerSocket server) throws IOException {
        this.server = server;
        server.setSoTimeout((int) (Outcome.WAIT_SECONDS * 1000));
    }

    /** Listens on loopback, ephemeral port. {@code receiveBuffer} > 0 shrinks what accepted sockets buffer. */
    public static RawServer listen(int receiveBuffer) throws IOException {
        ServerSocket s = new ServerSocket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        return new RawServer(s);
    }

    /**
     * A listening socket whose accept queue is full and that never accepts: a connect to it is neither
     * accepted nor refused (Linux drops the SYN), so it can only time out.
     */
    public static RawServer withFullBacklog() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        RawServer raw = new RawServer(s);
        for (int i = 0; i < 8; i++) { // backlog 1 holds 2 connections; the rest stay half-open
            SocketChannel filler = SocketChannel.open();
            raw.owned.add(filler);
            filler.configureBlocking(false);
            filler.connect(raw.address());
        }
        return raw;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    public RawSocket accept() throws IOException {
        RawSocket s = new RawSocket(server.accept());
        owned.add(s);
        return s;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : owned) {
            c.close();
        }
        server.close();
    }
}
