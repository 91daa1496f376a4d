using System.Buffers.Binary;

namespace SsdLite.Vision;

/// <summary>
/// A 24-bit uncompressed BMP (BITMAPINFOHEADER, rows bottom-up, BGR, each row padded to 4 bytes), as
/// cv::imwrite writes one: SkiaSharp reads BMP but cannot write it.
/// </summary>
internal static class BmpWriter
{
    private const int FileHeaderSize = 14;
    private const int InfoHeaderSize = 40;

    // 72 dpi in pixels per metre, the value most writers put in.
    private const int PixelsPerMetre = 2835;

    public static byte[] Encode(Image image)
    {
        int w = image.Width, h = image.Height;
        int rowSize = ((w * 3) + 3) & ~3;
        long imageSize = (long)rowSize * h;
        long fileSize = FileHeaderSize + InfoHeaderSize + imageSize;
        if (fileSize > int.MaxValue)
        {
            throw new ImageException($"a {w}x{h} image is too large for a BMP file");
        }

        byte[] file = new byte[fileSize];
        var span = file.AsSpan();
        span[0] = (byte)'B';
        span[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(span[2..], (int)fileSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[10..], FileHeaderSize + InfoHeaderSize);
        var info = span[FileHeaderSize..];
        BinaryPrimitives.WriteInt32LittleEndian(info, InfoHeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(info[4..], w);
        BinaryPrimitives.WriteInt32LittleEndian(info[8..], h); // positive: bottom-up rows
        BinaryPrimitives.WriteInt16LittleEndian(info[12..], 1); // planes
        BinaryPrimitives.WriteInt16LittleEndian(info[14..], 24); // bits per pixel
        BinaryPrimitives.WriteInt32LittleEndian(info[16..], 0); // BI_RGB
        BinaryPrimitives.WriteInt32LittleEndian(info[20..], (int)imageSize);
        BinaryPrimitives.WriteInt32LittleEndian(info[24..], PixelsPerMetre);
        BinaryPrimitives.WriteInt32LittleEndian(info[28..], PixelsPerMetre);

        var pixels = span[(FileHeaderSize + InfoHeaderSize)..];
        for (int y = 0; y < h; y++)
        {
            var src = image.Row(y);
            var dst = pixels.Slice((h - 1 - y) * rowSize, w * 3);
            for (int i = 0; i < dst.Length; i += 3)
            {
                dst[i] = src[i + 2];
                dst[i + 1] = src[i + 1];
                dst[i + 2] = src[i];
            }
        }

        return file;
    }
}
