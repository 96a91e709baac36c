"""Domain catalogues: the fixed vocabulary the case files, the calculations and the renderers share.

* :mod:`clvedu.domain.relationships` - the three customer relationships (subscription, repeat purchase,
  contract), the figures each needs and the words that fit each;
* :mod:`clvedu.domain.techniques` - techniques that raise CLV, the driver each moves and its parameters;
* :mod:`clvedu.domain.stages` - decision stages (B2C), buy classes and buying-centre roles (B2B), CLV drivers.

This layer sits above :mod:`clvedu.units` and :mod:`clvedu.clv` and below :mod:`clvedu.cases`: it imports
nothing from the case or analysis layers.
"""
