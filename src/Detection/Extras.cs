using SsdLite.Backbone;

namespace SsdLite.Detection;

/// <summary>The four stride-2 inverted residuals after the backbone: 1280→512 (t 0.2), 512→256 (0.25), 256→256 (0.5), 256→64 (0.25).</summary>
public static class Extras
{
    public static readonly IReadOnlyList<(int Out, double T)> Table = [(512, 0.2), (256, 0.25), (256, 0.5), (64, 0.25)];

    /// <summary>The blocks in a list whose items are named 0…3 once it is registered, as the reference's <c>extras</c>.</summary>
    public static ModuleList<InvertedResidual> Build(int inChannels)
    {
        var blocks = new List<InvertedResidual>();
        var c = inChannels;
        foreach (var (outChannels, t) in Table)
        {
            blocks.Add(new InvertedResidual(c, outChannels, 2, t));
            c = outChannels;
        }
        return nn.ModuleList(blocks.ToArray());
    }
}
