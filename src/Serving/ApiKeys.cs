using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SsdLite.Serving;

/// <summary>
/// The keys of <c>--api-key-file</c>: one per line (blank lines and lines starting with <c>#</c> ignored), read again
/// whenever the file's modification time or size changes, so keys are added and revoked without a restart. A request
/// is let in when its <c>Authorization: Bearer KEY</c> matches one of them; the comparison hashes both sides with
/// SHA-256 and compares every stored hash with <see cref="CryptographicOperations.FixedTimeEquals"/>, so its time
/// does not depend on how much of a key was right, nor on which key matched. A file that vanishes or cannot be read
/// lets no one in (fail closed) until it is readable again.
/// </summary>
public sealed class ApiKeys
{
    private readonly string path;
    private readonly Lock gate = new();
    private (DateTime Modified, long Length)? seen;
    private byte[][] hashes = [];

    /// <summary>Reads <paramref name="path"/> once; throws when it cannot be read or holds no key.</summary>
    public ApiKeys(string path)
    {
        this.path = path;
        Refresh();
        if (hashes.Length == 0) throw new ArgumentException($"--api-key-file {path}: no key in the file (one per line)");
    }

    /// <summary>The number of keys in force.</summary>
    public int Count
    {
        get
        {
            Refresh();
            return hashes.Length;
        }
    }

    /// <summary>Whether <paramref name="presented"/> is one of the keys in force.</summary>
    public bool Accepts(string? presented)
    {
        Refresh();
        if (string.IsNullOrEmpty(presented)) return false;
        var candidate = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var hash in hashes) match |= CryptographicOperations.FixedTimeEquals(candidate, hash);
        return match;
    }

    /// <summary>Whether the request's Authorization header carries an accepted Bearer key.</summary>
    public bool Accepts(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value) return false;
        const string Scheme = "Bearer ";
        return value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && Accepts(value[Scheme.Length..].Trim());
    }

    private void Refresh()
    {
        var info = new FileInfo(path);
        (DateTime, long)? now = info.Exists ? (info.LastWriteTimeUtc, info.Length) : null;
        if (now == seen) return;
        lock (gate)
        {
            if (now == seen) return;
            try
            {
                hashes = now is null ? [] : [.. File.ReadAllLines(path)
                    .Select(l => l.Trim())
                    .Where(l => l.Length > 0 && !l.StartsWith('#'))
                    .Select(l => SHA256.HashData(Encoding.UTF8.GetBytes(l)))];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                hashes = [];
            }
            seen = now;
        }
    }
}
