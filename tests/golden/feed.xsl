<?xml version="1.0" encoding="UTF-8"?>
<!-- nashra: shows an RSS 2.0 or Atom 1.0 feed opened in a browser as an Arabic page.
     XSLT 1.0 without disable-output-escaping (Firefox ignores it): only plain-text
     fields (title, summary, date) are shown, never the escaped HTML content. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:media="http://search.yahoo.com/mrss/"
    exclude-result-prefixes="atom media">
  <xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <html lang="ar" dir="rtl">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/></title>
        <style>
          body{margin:0;font:1.05rem/1.7 system-ui,"Noto Naskh Arabic","Segoe UI",Tahoma,sans-serif;color:#1c1c1c;background:#fafaf7}
          main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem}
          h1{font-size:1.8rem;margin:.5rem 0}h2{font-size:1.2rem;margin:0 0 .25rem}
          a{color:#06c}article{border-top:1px solid #ddd;padding:1rem 0;overflow:hidden}
          .note{background:#fff6d6;border:1px solid #e8d9a0;border-radius:.4rem;padding:.5rem .8rem}
          .meta{color:#666;font-size:.9rem}img{float:left;max-width:8rem;margin-inline-start:1rem;border-radius:.3rem}
          code,time{direction:ltr;unicode-bidi:isolate}
        </style>
      </head>
      <body>
        <main>
          <xsl:apply-templates select="rss/channel | atom:feed"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="note">
    <xsl:param name="href"/>
    <p class="note">هذه خلاصة أخبار. انسخ رابطها إلى قارئ الخلاصات ليصلك كل جديد أولًا بأول:
      <code><xsl:value-of select="$href"/></code></p>
  </xsl:template>

  <xsl:template match="channel">
    <xsl:call-template name="note">
      <xsl:with-param name="href" select="atom:link[@rel='self']/@href"/>
    </xsl:call-template>
    <h1><a href="{link}"><xsl:value-of select="title"/></a></h1>
    <p><xsl:value-of select="description"/></p>
    <xsl:apply-templates select="item"/>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <xsl:apply-templates select="media:thumbnail[1]"/>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <p class="meta"><time><xsl:value-of select="pubDate"/></time></p>
      <p><xsl:value-of select="description"/></p>
    </article>
  </xsl:template>

  <xsl:template match="atom:feed">
    <xsl:call-template name="note">
      <xsl:with-param name="href" select="atom:link[@rel='self']/@href"/>
    </xsl:call-template>
    <h1><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h1>
    <p><xsl:value-of select="atom:subtitle"/></p>
    <xsl:apply-templates select="atom:entry"/>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <xsl:apply-templates select="media:thumbnail[1]"/>
      <h2><a href="{atom:link[not(@rel) or @rel='alternate'][1]/@href}"><xsl:value-of select="atom:title"/></a></h2>
      <p class="meta"><time datetime="{atom:published}"><xsl:value-of
        select="concat(substring(atom:published, 1, 10), ' ', substring(atom:published, 12, 5))"/></time></p>
      <p><xsl:value-of select="atom:summary"/></p>
    </article>
  </xsl:template>

  <xsl:template match="media:thumbnail">
    <img src="{@url}" alt="" loading="lazy"/>
  </xsl:template>
</xsl:stylesheet>
