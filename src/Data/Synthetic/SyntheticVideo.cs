using SsdLite.Vision;

namespace SsdLite.Data.Synthetic;

/// <summary>Settings of a synthetic moving-shapes video (<c>ssdlite synth --video</c>).</summary>
public sealed record SyntheticVideoOptions
{
    /// <summary>Frames to draw.</summary>
    public int Frames { get; init; } = 60;

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; init; } = 160;

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; init; } = 160;

    /// <summary>Shapes moving at once.</summary>
    public int Objects { get; init; } = 3;

    /// <summary>Seed: the same seed draws the same frames.</summary>
    public int Seed { get; init; }

    /// <summary>Frames per second the video is written at.</summary>
    public int Fps { get; init; } = 10;

    /// <summary>Throws on values out of range.</summary>
    public void Validate()
    {
        if (Frames < 1 || Width < 32 || Height < 32 || Objects < 1 || Fps < 1)
            throw new ArgumentException($"invalid synthetic video options: {this}");
    }
}

/// <summary>One object in one frame of the synthetic video: its track id (1-based), class and visible box (pixels, inclusive).</summary>
/// <param name="TrackId">The object's id, the same in every frame.</param>
/// <param name="ClassIndex">Index into <see cref="SyntheticVoc.ClassNames"/>.</param>
/// <param name="XMin">Left.</param>
/// <param name="YMin">Top.</param>
/// <param name="XMax">Right.</param>
/// <param name="YMax">Bottom.</param>
public readonly record struct SyntheticTrackObject(int TrackId, int ClassIndex, int XMin, int YMin, int XMax, int YMax);

/// <summary>
/// Frames of shapes (SyntheticVoc's classes) moving at constant velocity over a fixed gradient background, bouncing off
/// the borders, with the ground truth per frame: each object's id and the box of its visible pixels (objects drawn
/// later cover earlier ones; an object less than 40% visible is left out of that frame's truth). Deterministic.
/// </summary>
public sealed class SyntheticVideo
{
    private const double MinVisible = 0.4;
    private readonly SyntheticVideoOptions options;
    private readonly Mover[] movers;
    private readonly Image background;

    /// <summary>A video of <paramref name="options"/> (validated).</summary>
    public SyntheticVideo(SyntheticVideoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        var rng = new Random(unchecked((options.Seed * 7_919) + 17));
        int w = options.Width, h = options.Height, side = Math.Min(w, h);
        background = new Image(w, h);
        var a = new Rgb((byte)rng.Next(40, 216), (byte)rng.Next(40, 216), (byte)rng.Next(40, 216));
        var b = new Rgb((byte)rng.Next(40, 216), (byte)rng.Next(40, 216), (byte)rng.Next(40, 216));
        for (int y = 0, i = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++, i += Image.BytesPerPixel)
            {
                var t = (x + y) / (double)(w + h);
                background.Pixels[i] = (byte)(a.R + ((b.R - a.R) * t));
                background.Pixels[i + 1] = (byte)(a.G + ((b.G - a.G) * t));
                background.Pixels[i + 2] = (byte)(a.B + ((b.B - a.B) * t));
            }
        }
        movers = new Mover[options.Objects];
        for (var k = 0; k < options.Objects; k++)
        {
            var r = side * (0.08 + (0.05 * rng.NextDouble()));
            var speed = side * (0.012 + (0.012 * rng.NextDouble()));
            var angle = rng.NextDouble() * 2 * Math.PI;
            movers[k] = new Mover(k + 1, rng.Next(SyntheticVoc.ClassNames.Count), r,
                r + (rng.NextDouble() * (w - (2 * r))), r + (rng.NextDouble() * (h - (2 * r))), speed * Math.Cos(angle), speed * Math.Sin(angle),
                rng.NextDouble() * Math.PI, new Rgb((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
        }
    }

    /// <summary>The frames per second the video is meant to play at.</summary>
    public int Fps => options.Fps;

    /// <summary>Frame <paramref name="index"/> and its ground truth.</summary>
    public (Image Image, List<SyntheticTrackObject> Objects) Render(int index)
    {
        int w = options.Width, h = options.Height;
        var image = background.Clone();
        var owner = new short[w * h];
        owner.AsSpan().Fill(-1);
        var mask = new byte[w * h];
        var pixels = new int[movers.Length];
        for (var k = 0; k < movers.Length; k++)
        {
            var m = movers[k];
            var (cx, cy) = m.At(index, w, h);
            Array.Clear(mask);
            var canvas = new PixelCanvas(mask, w, h, 1);
            var on = new Rgb(1, 0, 0);
            switch (SyntheticVoc.ClassNames[m.Class])
            {
                case "circle":
                    canvas.Circle((int)cx, (int)cy, (int)m.Radius, on);
                    break;
                case "ellipse":
                    canvas.Ellipse((int)cx, (int)cy, (int)m.Radius, (int)(m.Radius / 1.9), m.Rotation * 180 / Math.PI, on);
                    break;
                case "square":
                    canvas.Polygon(Regular(cx, cy, m.Radius, 4, m.Rotation, 0), on);
                    break;
                case "triangle":
                    canvas.Polygon(Regular(cx, cy, m.Radius, 3, m.Rotation, 0), on);
                    break;
                case "hexagon":
                    canvas.Polygon(Regular(cx, cy, m.Radius, 6, m.Rotation, 0), on);
                    break;
                default:
                    canvas.Polygon(Regular(cx, cy, m.Radius, 10, m.Rotation, 0.42), on);
                    break;
            }
            for (var p = 0; p < mask.Length; p++)
            {
                if (mask[p] == 0) continue;
                pixels[k]++;
                owner[p] = (short)k;
                int o = Image.BytesPerPixel * p;
                image.Pixels[o] = m.Colour.R;
                image.Pixels[o + 1] = m.Colour.G;
                image.Pixels[o + 2] = m.Colour.B;
            }
        }
        var visible = new int[movers.Length];
        var x0 = Enumerable.Repeat(int.MaxValue, movers.Length).ToArray();
        var y0 = (int[])x0.Clone();
        var x1 = new int[movers.Length];
        var y1 = new int[movers.Length];
        for (int y = 0, p = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++, p++)
            {
                int o = owner[p];
                if (o < 0) continue;
                visible[o]++;
                x0[o] = Math.Min(x0[o], x);
                y0[o] = Math.Min(y0[o], y);
                x1[o] = Math.Max(x1[o], x);
                y1[o] = Math.Max(y1[o], y);
            }
        }
        var objects = new List<SyntheticTrackObject>();
        for (var k = 0; k < movers.Length; k++)
        {
            if (pixels[k] == 0 || visible[k] < MinVisible * pixels[k] || x1[k] <= x0[k] || y1[k] <= y0[k]) continue;
            objects.Add(new SyntheticTrackObject(movers[k].Id, movers[k].Class, x0[k], y0[k], x1[k], y1[k]));
        }
        return (image, objects);
    }

    private static int[] Regular(double cx, double cy, double r, int n, double rotation, double inner)
    {
        var xy = new int[2 * n];
        for (var v = 0; v < n; v++)
        {
            var phi = (2 * Math.PI * v / n) - (Math.PI / 2) + rotation;
            var radius = inner > 0 && v % 2 == 1 ? r * inner : r;
            xy[2 * v] = (int)Math.Round(cx + (radius * Math.Cos(phi)));
            xy[(2 * v) + 1] = (int)Math.Round(cy + (radius * Math.Sin(phi)));
        }
        return xy;
    }

    /// <summary>A shape moving at constant velocity, reflected at the borders (its centre stays at least its radius inside).</summary>
    private sealed record Mover(int Id, int Class, double Radius, double X, double Y, double Vx, double Vy, double Rotation, Rgb Colour)
    {
        public (double X, double Y) At(int frame, int w, int h) => (Bounce(X + (Vx * frame), Radius, w - 1 - Radius), Bounce(Y + (Vy * frame), Radius, h - 1 - Radius));

        private static double Bounce(double v, double lo, double hi)
        {
            var span = hi - lo;
            if (span <= 0) return lo;
            var t = (v - lo) % (2 * span);
            if (t < 0) t += 2 * span;
            return lo + (t <= span ? t : (2 * span) - t);
        }
    }
}
