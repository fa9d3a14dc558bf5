"""Articles in: each format by its reader, then draft passages for a moderator to review (`kb import`).

    articles       an article's file checked and read, by the reader of its format
    blocks         what every reader makes: headings, paragraphs, list items and code, in plain text
    plaintext      plain text, and the headings any format's text may carry
    markdown/      Markdown, and the dialects documentation sites write (MDX, boxes, MyST)
    restructured/  reStructuredText, and Sphinx's directives and roles (which MyST borrows)
    pages/         a saved web page (HTML, MHTML): its main content, its chrome left out
    templates      a static site's page as its source holds it: front matter, Liquid, Pelican metadata
    passages       a section's paragraphs, lists and code cut into passages
    drafts         an article's draft passages: its title, sections and ids; what is no knowledge left out
    draftfiles     `kb import`: the draft written into `drafts/` under the store's lock, named, listed

A draft is written under the knowledge store's lock (`bot.curation`), whose `kb publish` makes it
live. The rest of the core uses only what this face exports.
"""

from bot.imports.draftfiles import DraftFile, Imported, NameTaken, import_article, list_drafts

__all__ = ["DraftFile", "Imported", "NameTaken", "import_article", "list_drafts"]
