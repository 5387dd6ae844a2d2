"""Pure chart builders: data in, `alt.Chart` out. Importing this registers the project theme."""

from pbsa_analytics.charts import theme as theme
