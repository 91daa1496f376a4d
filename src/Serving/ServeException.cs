namespace SsdLite.Serving;

/// <summary>
/// A request the service refuses: the HTTP status, the reason it is counted under in <c>/metrics</c>, and the message
/// the client reads in <c>{"error": ...}</c>.
/// </summary>
public sealed class ServeException : Exception
{
    /// <summary>A refusal with HTTP <paramref name="status"/>, counted under <paramref name="reason"/>, told to the client as <paramref name="message"/>, with a Retry-After of <paramref name="retryAfterSeconds"/> when set.</summary>
    public ServeException(int status, string reason, string message, int? retryAfterSeconds = null)
        : base(message)
    {
        Status = status;
        Reason = reason;
        RetryAfterSeconds = retryAfterSeconds;
    }

    /// <summary>The HTTP status code.</summary>
    public int Status { get; }

    /// <summary>The rejection reason label (body_too_large, too_many_pixels, bad_input, unsupported_type, queue_full, timeout).</summary>
    public string Reason { get; }

    /// <summary>Seconds a client should wait before it retries, sent as Retry-After.</summary>
    public int? RetryAfterSeconds { get; }

    internal static ServeException BadInput(string message) => new(400, "bad_input", message);

    internal static ServeException Unsupported(string message) => new(415, "unsupported_type", message);
}
