"""Where postcodes are: the centroid of each outward code (Code-Point Open, Open Government Licence)."""

from django.db import models


class OutwardCode(models.Model):
    """The mean position of every postcode in an outward code ("EH1"), on the British National Grid (metres)."""

    code = models.CharField(max_length=4, unique=True)
    easting = models.PositiveIntegerField()
    northing = models.PositiveIntegerField()
    postcodes = models.PositiveIntegerField("postcodes averaged", default=0)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code
