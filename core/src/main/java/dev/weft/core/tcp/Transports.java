package dev.weft.core.tcp;

import dev.weft.core.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** The channel classes that go with the runtime's transport: epoll when it runs on epoll, else NIO. */
final class Transports {
    private Transports() {}

    static Channel socket(Transport transport) {
        return transport == Transport.EPOLL ? new EpollSocketChannel() : new NioSocketChannel();
    }

    static ServerChannel serverSocket(Transport transport) {
        return transport == Transport.EPOLL ? new EpollServerSocketChannel() : new NioServerSocketChannel();
    }
}
