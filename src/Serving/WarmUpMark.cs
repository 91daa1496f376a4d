using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SsdLite.Serving;

/// <summary>
/// The header that tells the start-up warm-up's requests (<see cref="RequestPathWarmUp"/>) from clients': they take
/// the same route through Kestrel and the handler, but stay out of the metrics and the admission limit. Its value is
/// a secret drawn once per process, so that no client can hide its requests from the counts.
/// </summary>
internal sealed class WarmUpMark
{
    /// <summary>The header's name.</summary>
    public const string Header = "X-SsdLite-Warm-Up";

    private readonly byte[] secret;

    public WarmUpMark()
    {
        Value = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        secret = Encoding.ASCII.GetBytes(Value);
    }

    /// <summary>The value the warm-up sends.</summary>
    public string Value { get; }

    /// <summary>True when <paramref name="context"/>'s request carries this process's mark.</summary>
    public bool Marks(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(Header, out var values) || values.Count != 1) return false;
        var sent = values[0];
        return sent is not null && sent.Length == secret.Length
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sent), secret);
    }
}
