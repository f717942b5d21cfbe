package dev.weft.examples.pitfalls;

import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import dev.weft.coroutines.CoroutineRequestHandler;
import dev.weft.coroutines.Coroutines;

/**
 * A server runtime with a naive and a fixed server, and a client runtime with one connection to
 * each: the setup of the gallery's request-handler pitfalls. Handlers are coroutines.
 */
final class TcpPair implements AutoCloseable {
    final WeftRuntime serverRt;
    final WeftRuntime clientRt = WeftRuntime.builder().name("client").loops(1).build();
    final Coroutines serverCo;
    final Coroutines co = Coroutines.of(clientRt);
    final TcpServer naiveServer;
    final TcpServer fixedServer;
    final TcpConnection naive;
    final TcpConnection fixed;

    TcpPair(String name, CoroutineRequestHandler naiveHandler, CoroutineRequestHandler fixedHandler) {
        serverRt = WeftRuntime.builder().name(name).loops(1).build();
        serverCo = Coroutines.of(serverRt);
        naiveServer = serverCo.serve(naiveHandler);
        fixedServer = serverCo.serve(fixedHandler);
        naive = co.connect(naiveServer.localAddress());
        fixed = co.connect(fixedServer.localAddress());
    }

    @Override
    public void close() {
        clientRt.close();
        serverRt.close();
    }
}
