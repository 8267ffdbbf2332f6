package io.dreamid.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder in front of a real server that can make it look dead or hung, for outage tests: {@link #refuse()}
 * closes the listening port and every open connection (clients get "connection refused"), {@link #hang()} keeps
 * accepting and holding connections but passes nothing either way (clients time out), {@link #heal()} forwards
 * again on the same port. Not a fake server: every request that passes reaches the real one.
 */
public final class FaultProxy implements AutoCloseable {
    private enum Mode { FORWARD, HANG, REFUSE }

    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.FORWARD;
    private volatile ServerSocket server;
    private volatile boolean closed;

    /** Listens on a free local port and forwards to {@code host:targetPort}. */
    public FaultProxy(String host, int targetPort) {
        this.target = new InetSocketAddress(host, targetPort);
        this.server = listen(0);
        this.port = server.getLocalPort();
        startAccepting(server);
    }

    /** The proxy's address, {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Connections are refused: the server looks dead. */
    public synchronized void refuse() {
        mode = Mode.REFUSE;
        closeQuietly(server);
        dropConnections();
    }

    /** Connections are accepted and held, nothing passes: the server looks hung. */
    public synchronized void hang() {
        mode = Mode.HANG;
        ensureListening();
    }

    /** Forwards again; the connections of the fault are dropped (what they carried is lost, as with a restart). */
    public synchronized void heal() {
        dropConnections();
        mode = Mode.FORWARD;
        ensureListening();
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly(server);
        dropConnections();
    }

    private void ensureListening() {
        if (server.isClosed()) {
            server = listen(port);
            startAccepting(server);
        }
    }

    private static ServerSocket listen(int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port, e);
        }
    }

    private void startAccepting(ServerSocket listening) {
        Thread acceptor = new Thread(() -> {
            while (!closed && !listening.isClosed()) {
                try {
                    Socket client = listening.accept();
                    open.add(client);
                    if (mode == Mode.FORWARD) {
                        forward(client);
                    } // HANG: held open, never read or answered, until dropped
                } catch (IOException e) {
                    // the listening socket was closed (refuse/close)
                }
            }
        }, "fault-proxy-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void forward(Socket client) {
        try {
            Socket upstream = new Socket();
            upstream.connect(target, 5000);
            open.add(upstream);
            pump(client, upstream);
            pump(upstream, client);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (mode != Mode.FORWARD) {
                        continue; // hung: what arrives is swallowed and nothing is answered
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // dropped
            } catch (IOException e) {
                // either side went away
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "fault-proxy-pump-" + port);
        t.setDaemon(true);
        t.start();
    }

    private void dropConnections() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
