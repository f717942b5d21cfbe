package dev.weft.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One end of a connection played with a plain blocking {@link Socket}, to be a peer that Weft cannot
 * trust: it writes garbage, partial frames, negative lengths, resets. Every read waits at most
 * {@link Outcome#WAIT_SECONDS}.
 */
public final class RawSocket implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawSocket(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) (Outcome.WAIT_SECONDS * 1000));
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawSocket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, (int) (Outcome.WAIT_SECONDS * 1000));
        return new RawSocket(s);
    }

    public static byte[] frame(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + p.length).putInt(p.length).put(p).array();
    }

    public RawSocket write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawSocket writeInt(int v) throws IOException {
        return write(ByteBuffer.allocate(4).putInt(v).array());
    }

    public RawSocket writeFrame(String payload) throws IOException {
        return write(frame(payload));
    }

    /** Reads one frame and returns its payload as UTF-8. */
    public String readFrame() throws IOException {
        int length = in.readInt();
        byte[] p = new byte[length];
        in.readFully(p);
        return new String(p, StandardCharsets.UTF_8);
    }

    /** Reads (and drops) whatever comes until the peer closes the connection; fails if it does not. */
    public void assertClosedByPeer() throws IOException {
        try {
            while (in.read() != -1) {
                // drain what was sent before the close
            }
        } catch (EOFException | SocketException closedOrReset) {
            // closed (or reset) by the peer: what we wait for
        } catch (SocketTimeoutException e) {
            fail("the peer did not close the connection within " + Outcome.WAIT_SECONDS + " s");
        }
    }

    /** Closes with a TCP reset (SO_LINGER 0) instead of an orderly close. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
