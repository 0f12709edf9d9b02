package dev.fanout.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny DNS server on 127.0.0.1 (UDP, Netty's DNS codec) for resolver tests: A records for the
 * names it is given (with a TTL), NXDOMAIN for any other name, and silence for "silent" names
 * (a query timeout). Counts queries per name (as asked, with the trailing dot removed) and type.
 */
public final class TestDnsServer implements AutoCloseable {

    private final Map<String, byte[]> a = new ConcurrentHashMap<>();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final long ttlSeconds;

    public TestDnsServer(long ttlSeconds) throws InterruptedException {
        this.ttlSeconds = ttlSeconds;
        this.channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
                                        answer(ctx, query);
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public TestDnsServer a(String name, String address) {
        try {
            a.put(name, InetAddress.getByName(address).getAddress());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        return this;
    }

    public TestDnsServer silent(String name) {
        silent.add(name);
        return this;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Queries of type A for {@code name}. */
    public int aQueries(String name) {
        AtomicInteger n = queries.get(name + "/A");
        return n == null ? 0 : n.get();
    }

    private void answer(ChannelHandlerContext ctx, DatagramDnsQuery query) {
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        String name = question.name().endsWith(".") ? question.name().substring(0, question.name().length() - 1)
                : question.name();
        queries.computeIfAbsent(name + "/" + question.type().name(), k -> new AtomicInteger()).incrementAndGet();
        if (silent.contains(name)) {
            return;
        }
        DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
        response.setRecursionAvailable(true);
        response.addRecord(DnsSection.QUESTION, question);
        byte[] address = a.get(name);
        if (address == null) {
            response.setCode(DnsResponseCode.NXDOMAIN);
        } else if (question.type() == DnsRecordType.A) {
            response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, ttlSeconds,
                    Unpooled.wrappedBuffer(address)));
        }
        ctx.writeAndFlush(response);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
