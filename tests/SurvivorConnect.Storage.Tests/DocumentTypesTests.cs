namespace SurvivorConnect.Storage.Tests;

public sealed class DocumentTypesTests
{
    [Fact]
    public void A_query_names_the_same_type_the_document_writes()
    {
        var item = new Item { Id = "i", PartitionKey = "p", AgencyId = "a" };
        var other = new Other { Id = "o", PartitionKey = "p", AgencyId = "a" };

        Assert.Equal((item.Type, other.Type), (DocumentTypes.Of<Item>(), DocumentTypes.Of<Other>()));
        Assert.NotEqual(DocumentTypes.Of<Item>(), DocumentTypes.Of<Other>());
    }
}
