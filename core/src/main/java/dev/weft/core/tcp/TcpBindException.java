package dev.weft.core.tcp;

import java.net.InetSocketAddress;

/** A server could not listen on its {@linkplain TcpOptions#bindAddress() bind address} (in use, not local, ...). */
public final class TcpBindException extends TcpException {
    private static final long serialVersionUID = 1L;
    private final transient InetSocketAddress address;

    public TcpBindException(InetSocketAddress address, Throwable cause) {
        super("could not listen on " + address + ": " + (cause == null ? "unknown cause" : cause.getMessage()), cause);
        this.address = address;
    }

    /** The address that could not be bound. */
    public InetSocketAddress address() {
        return address;
    }
}
