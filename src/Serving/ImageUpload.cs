using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace SsdLite.Serving;

/// <summary>
/// The image bytes of a detect request: the multipart field <c>image</c>, or the whole body when its Content-Type is
/// an image type (or application/octet-stream). The body is read with the size limit counted as it arrives, whatever
/// Content-Length claims, so a chunked upload cannot exceed it either.
/// </summary>
internal sealed record ImageUpload(string Name, byte[] Bytes, int Length)
{
    public const string FieldName = "image";

    /// <summary>Image types SkiaSharp decodes here; anything else that says image/ gets 415.</summary>
    private static readonly string[] Decodable = ["image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/bmp", "image/x-ms-bmp", "image/webp", "image/gif"];

    public ReadOnlySpan<byte> Data => Bytes.AsSpan(0, Length);

    public static async Task<ImageUpload> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancel)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(request.ContentLength.Value, maxBytes);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType.Value is not { } media)
            throw ServeException.Unsupported($"no Content-Type: send multipart/form-data with a field '{FieldName}', or the image itself with Content-Type image/jpeg, image/png, …");
        media = media.ToLowerInvariant();
        if (media == "multipart/form-data") return await ReadFormAsync(request, maxBytes, cancel).ConfigureAwait(false);
        if (media.StartsWith("image/", StringComparison.Ordinal) && !Decodable.Contains(media))
            throw ServeException.Unsupported($"Content-Type {media} is not an image type this server decodes ({string.Join(", ", Decodable)})");
        if (!media.StartsWith("image/", StringComparison.Ordinal) && media != "application/octet-stream")
            throw ServeException.Unsupported($"Content-Type {media} is not taken: send multipart/form-data with a field '{FieldName}', or an image/* body");
        var (bytes, length) = await ReadBodyAsync(request.Body, request.ContentLength, maxBytes, cancel).ConfigureAwait(false);
        if (length == 0) throw ServeException.BadInput("the request body is empty: send the image's bytes");
        return new ImageUpload("body", bytes, length);
    }

    private static async Task<ImageUpload> ReadFormAsync(HttpRequest request, long maxBytes, CancellationToken cancel)
    {
        // Buffered under the same limit first, so multipart framing counts towards it exactly as a raw body would.
        var (bytes, length) = await ReadBodyAsync(request.Body, request.ContentLength, maxBytes, cancel).ConfigureAwait(false);
        if (length == 0) throw ServeException.BadInput("the request body is empty: send a multipart form with a field 'image'");
        request.Body = new MemoryStream(bytes, 0, length, writable: false);
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw ServeException.BadInput($"the multipart form could not be read: {e.Message}");
        }
        var file = form.Files.GetFile(FieldName);
        if (file is null)
        {
            var fields = form.Keys.Concat(form.Files.Select(f => f.Name)).Distinct().ToList();
            throw ServeException.BadInput($"the multipart form has no file field '{FieldName}' (it has {(fields.Count == 0 ? "none" : string.Join(", ", fields))})");
        }
        if (file.Length == 0) throw ServeException.BadInput($"the form field '{FieldName}' ({file.FileName}) is empty");
        var data = new byte[file.Length];
        await using (var stream = file.OpenReadStream()) await stream.ReadExactlyAsync(data, cancel).ConfigureAwait(false);
        return new ImageUpload(string.IsNullOrEmpty(file.FileName) ? FieldName : Path.GetFileName(file.FileName), data, data.Length);
    }

    private static async Task<(byte[] Bytes, int Length)> ReadBodyAsync(Stream body, long? declared, long maxBytes, CancellationToken cancel)
    {
        // One byte more than declared, so the end shows without growing the buffer.
        var buffer = new byte[(int)Math.Min((declared ?? 64 * 1024) + 1, maxBytes + 1)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes) throw TooLarge(null, maxBytes);
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
            }
            var read = await body.ReadAsync(buffer.AsMemory(length), cancel).ConfigureAwait(false);
            if (read == 0) break;
            length += read;
        }
        if (length > maxBytes) throw TooLarge(null, maxBytes);
        return (buffer, length);
    }

    internal static ServeException TooLarge(long? declared, long maxBytes) => new(413, "body_too_large",
        declared is { } d ? $"the request body is {d} bytes, more than the server's limit of {maxBytes} (--max-body-bytes)"
            : $"the request body is more than the server's limit of {maxBytes} bytes (--max-body-bytes)");
}
