package dev.kfit.guest;

import java.util.List;

/**
 * The event names kfit-guest prints, one constant each, as documented in
 * {@code guest-images/tools/events.json} (fields and units are there). GuestEventsSchemaTest
 * checks this class, the schema and kfit-guest.c against each other.
 */
public final class GuestEvents {
    private GuestEvents() {
    }

    /** A step failed; the tool exits after it. */
    public static final String ERROR = "error";
    /** The P2P memory is mmap()ed. */
    public static final String MAPPED = "mapped";
    /** Ibv_reg_mr of the mapped memory starts. */
    public static final String REG_START = "reg_start";
    /** The registration was refused (an unpatched kernel refuses P2P memory). */
    public static final String REG_FAILED = "reg_failed";
    /** The memory is registered (pinned). */
    public static final String REGISTERED = "registered";
    /** The holder starts deregistering. */
    public static final String RELEASE_START = "release_start";
    /** Deregistration returned. */
    public static final String RELEASED = "released";
    /** The process started (pin, serve, rdma-writer; perftest's wrapper too). */
    public static final String START = "start";
    /** The process is exiting. */
    public static final String EXIT = "exit";
    /** A timed sysfs write waits for its time. */
    public static final String WRITE_ARMED = "write_armed";
    /** The sysfs write starts (unbind, remove). */
    public static final String WRITE_START = "write_start";
    /** The sysfs write returned. */
    public static final String WRITE_END = "write_end";
    /** The RDMA device and port chosen. */
    public static final String DEVICE = "device";
    /** An asynchronous RDMA event. */
    public static final String ASYNC_EVENT = "async_event";
    /** The queue pair's state after an error. */
    public static final String QP_STATE = "qp_state";
    /** Serve listens for a writer. */
    public static final String LISTENING = "listening";
    /** A writer connected to serve. */
    public static final String PEER_CONNECTED = "peer_connected";
    /** The queue pair is ready to send. */
    public static final String QP_READY = "qp_ready";
    /** The writer's connection closed. */
    public static final String PEER_CLOSED = "peer_closed";
    /** The server's name did not resolve. */
    public static final String RESOLVE_FAILED = "resolve_failed";
    /** Traffic in the last interval (about a second). */
    public static final String TICK = "tick";
    /** Rdma-writer connected to serve. */
    public static final String CONNECTED = "connected";
    /** One work completion. */
    public static final String WC = "wc";
    /** No completion within the wait. */
    public static final String WC_TIMEOUT = "wc_timeout";
    /** Rdma-writer's totals at its end. */
    public static final String SUMMARY = "summary";
    /** The guest's CLOCK_MONOTONIC, for clock calibration. */
    public static final String NOW = "now";
    /** What the RDMA device says about on-demand paging. */
    public static final String ODP_CAPS = "odp_caps";
    /** The kernel lacks the mechanism (ODP, VFIO, iommufd, VFIO's dma-buf): the cell is UNSUPPORTED. */
    public static final String UNSUPPORTED = "unsupported";
    /** The holder read and wrote its mapping once. */
    public static final String ACCESS = "access";
    /** A VFIO holder has the device open and its BAR mapped. */
    public static final String VFIO_OPEN = "vfio_open";
    /** The kernel asked the VFIO holder to release the device. */
    public static final String VFIO_REQUEST = "vfio_request";
    /** VFIO exported a BAR as a dma-buf. */
    public static final String DMABUF_EXPORTED = "dmabuf_exported";
    /** iommufd imported the dma-buf. */
    public static final String IMPORTED = "imported";
    /** The dma-buf holder closed its VFIO device fd. */
    public static final String DEVICE_CLOSED = "device_closed";
    /** The dma-buf holder reset the device. */
    public static final String DEVICE_RESET = "device_reset";
    /** A second import of the dma-buf: does it still map? */
    public static final String PROBE = "probe";

    /** Every name above, in the schema's order. */
    public static final List<String> ALL = List.of(
            ERROR, MAPPED, REG_START, REG_FAILED, REGISTERED, RELEASE_START, RELEASED, START, EXIT, WRITE_ARMED,
            WRITE_START, WRITE_END, DEVICE, ASYNC_EVENT, QP_STATE, LISTENING, PEER_CONNECTED, QP_READY, PEER_CLOSED,
            RESOLVE_FAILED, TICK, CONNECTED, WC, WC_TIMEOUT, SUMMARY, NOW, ODP_CAPS, UNSUPPORTED, ACCESS, VFIO_OPEN,
            VFIO_REQUEST, DMABUF_EXPORTED, IMPORTED, DEVICE_CLOSED, DEVICE_RESET, PROBE);
}
