from django import template

register = template.Library()


@register.filter
def meets(figures, name: str):
    return figures.meets(name)


@register.filter
def figure(figures, name: str):
    return getattr(figures, name)
