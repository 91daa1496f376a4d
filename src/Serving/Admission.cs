namespace SsdLite.Serving;

/// <summary>
/// The one admission limit that detect and infer requests share: requests admitted and not yet answered, those still
/// reading and decoding included, or an overload would pile up reads and decodes on the request threads (CPU the
/// network needs) in front of a queue that never looks full.
/// </summary>
internal sealed class Admission(ServeOptions options)
{
    private readonly int limit = options.QueueLimit + options.MaxBatch;
    private int admitted;

    /// <summary>Runs <paramref name="handle"/> inside the limit, or refuses with 503 at once when it is reached.</summary>
    public async Task RunAsync(Func<Task> handle)
    {
        if (Interlocked.Increment(ref admitted) > limit)
        {
            Interlocked.Decrement(ref admitted);
            throw QueueFull();
        }
        try
        {
            await handle().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref admitted);
        }
    }

    /// <summary>The refusal of a full server, with a Retry-After.</summary>
    public ServeException QueueFull() =>
        new(503, "queue_full", $"the server is at capacity ({options.QueueLimit} requests queued): retry shortly", retryAfterSeconds: 1);
}
