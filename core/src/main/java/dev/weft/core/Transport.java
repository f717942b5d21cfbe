package dev.weft.core;

/** Which Netty I/O transport the loops use. */
public enum Transport {
    /** epoll where Netty's native transport loads (Linux), otherwise NIO. */
    AUTO,
    /** Java NIO selectors, everywhere. */
    NIO,
    /** Linux epoll; building a runtime fails if the native transport is unavailable. */
    EPOLL
}
