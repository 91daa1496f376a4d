namespace SsdLite.Backbone;

/// <summary>A block whose expansion activation (before its depthwise conv) can be taken as a feature source.</summary>
public interface IExpansionTap
{
    /// <summary>The block output and its expansion activation; the caller owns both.</summary>
    (Tensor output, Tensor expanded) ForwardWithExpansion(Tensor input);
}
