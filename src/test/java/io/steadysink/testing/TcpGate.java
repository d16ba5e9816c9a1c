package io.steadysink.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local port that refuses connections (nothing listens on it) until {@link #open()}, then
 * forwards each connection to a target address; {@link #close()} stops listening and cuts every
 * forwarded connection. It stands for a dependency that is not there yet when the application
 * starts (a database starting beside it) or goes away: point the application at {@link #port()}.
 * <p>
 * For PostgreSQL it carries every connection. For Kafka it gates only the bootstrap connection:
 * clients then connect to the address the broker advertises.
 */
public final class TcpGate implements AutoCloseable {

    private final int port;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private Thread acceptor;

    private TcpGate(int port, String targetHost, int targetPort) {
        this.port = port;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** A closed gate on a free local port, forwarding to {@code host:port} once opened. */
    public static TcpGate to(String host, int port) {
        return new TcpGate(SteadySinkProcess.freePort(), host, port);
    }

    public int port() {
        return port;
    }

    public boolean isOpen() {
        return server != null;
    }

    /** Starts listening on {@link #port()} and forwarding; does nothing if already open. */
    public synchronized TcpGate open() {
        if (server == null) {
            try {
                ServerSocket listening = new ServerSocket();
                listening.setReuseAddress(true);
                listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                server = listening;
                acceptor = daemon("tcp-gate-" + port, () -> accept(listening));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not listen on port " + port, e);
            }
        }
        return this;
    }

    /**
     * Stops listening and cuts every forwarded connection; {@link #open()} may follow again. Returns
     * once the accepting thread has ended: a socket closed while a thread waits in {@code accept}
     * is released by the kernel only when that call returns, and until then it may still accept.
     */
    @Override
    public synchronized void close() {
        ServerSocket listening = server;
        server = null;
        closeQuietly(listening);
        if (acceptor != null) {
            try {
                acceptor.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            acceptor = null;
        }
        sockets.forEach(TcpGate::closeQuietly);
        sockets.clear();
    }

    private void accept(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                if (listening.isClosed()) {
                    // accepted in the moment the gate shut: refuse it as the closed gate would
                    closeQuietly(client);
                    return;
                }
                Socket target;
                try {
                    target = new Socket(targetHost, targetPort);
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                sockets.add(client);
                sockets.add(target);
                daemon("tcp-gate-" + port + "-in", () -> pump(client, target));
                daemon("tcp-gate-" + port + "-out", () -> pump(target, client));
            } catch (IOException e) {
                // closed: the gate shut
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (SocketException e) {
            // cut by close() or by the other side
        } catch (IOException e) {
            // the connection ended
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                // already closed
            }
        }
    }
}
