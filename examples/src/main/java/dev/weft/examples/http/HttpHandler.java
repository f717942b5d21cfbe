package dev.weft.examples.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an HTTP connection's pipeline (after Netty's codec and aggregator): routes each
 * request by its path. Runs on the connection's loop; the request is released when this returns
 * ({@link SimpleChannelInboundHandler}), so a route reads what it needs first.
 *
 * <p>Replies go out in the order the routes finish. HTTP/1.1 clients that pipeline requests on one
 * connection (wrk does not) could see a {@code /floor} reply overtake an earlier {@code /cb} one; the
 * three style routes keep their order among themselves, since their downstream requests share one
 * pipelined connection per loop.
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);
    static final String ROUTES = "routes: /cb/work?n=N /cf/work?n=N /co/work?n=N /floor/work?n=N /metrics\n";

    private final StyleRoutes routes;

    HttpHandler(StyleRoutes routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        Reply reply = new Reply(ctx.channel(), HttpUtil.isKeepAlive(request));
        if (request.decoderResult().isFailure()) {
            new Reply(ctx.channel(), false).send(HttpResponseStatus.BAD_REQUEST, "text/plain",
                    "malformed request: " + request.decoderResult().cause() + "\n");
            return;
        }
        if (request.method() != HttpMethod.GET) {
            reply.send(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (path.equals("/metrics")) {
            routes.metrics(reply);
            return;
        }
        int n;
        try {
            n = n(uri.parameters().get("n"));
        } catch (IllegalArgumentException e) {
            reply.send(HttpResponseStatus.BAD_REQUEST, "text/plain", e.getMessage() + "\n");
            return;
        }
        switch (path) {
            case "/cb/work" -> routes.callbacks(n, reply);
            case "/cf/work" -> routes.futures(n, reply);
            case "/co/work" -> routes.coroutines(n, reply);
            case "/floor/work" -> routes.floor(n, reply);
            default -> reply.send(HttpResponseStatus.NOT_FOUND, "text/plain", "no route " + path + "; " + ROUTES);
        }
    }

    /** The query's {@code n}, checked: {@link Work#DEFAULT_N} if absent. */
    private static int n(List<String> values) {
        if (values == null || values.isEmpty()) {
            return Work.DEFAULT_N;
        }
        String v = values.get(0);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("n: " + v + " (expected: an integer in 0.." + Work.MAX_N + ")");
        }
        if (n < 0 || n > Work.MAX_N) {
            throw new IllegalArgumentException("n: " + n + " (expected: 0.." + Work.MAX_N + ")");
        }
        return n;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing HTTP connection {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
