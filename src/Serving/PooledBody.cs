using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace SsdLite.Serving;

/// <summary>
/// A request body read into a buffer rented from the shared pool, under the size limit counted as it arrives
/// (whatever Content-Length claims); disposing returns the buffer. Infer requests carry megabytes of tensor data, and
/// a fresh array per request would be as large as the request itself.
/// </summary>
internal sealed class PooledBody : IDisposable
{
    private byte[] buffer;

    private PooledBody(byte[] buffer, int length)
    {
        this.buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, Length);

    public static async Task<PooledBody> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancel)
    {
        if (request.ContentLength > maxBytes) throw ImageUpload.TooLarge(request.ContentLength.Value, maxBytes);
        // One byte more than declared, so the end shows without growing the buffer.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min((request.ContentLength ?? 64 * 1024) + 1, maxBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes) throw ImageUpload.TooLarge(null, maxBytes);
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancel).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
            }
            if (length > maxBytes) throw ImageUpload.TooLarge(null, maxBytes);
            return new PooledBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
