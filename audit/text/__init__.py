"""Text as every stage sees it: encoding repair and folding, words, sentences, word frequencies."""
